//! `zoo bundle triton`: model repositories that Triton's own configuration schema
//! (tritonclient's `model_config_pb2`, through `tests/python/check_triton.py`) accepts, with
//! versions that grow only when a file changed, and refusals that leave nothing behind.

use std::path::Path;
use std::process::Command;

use crate::support::{fails_with, json, ok, python, python_check, root, zoo};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn bundles_parse_as_triton_model_configs() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let r = p(&repo);
    let first = json(zoo(&["bundle", "triton", "resnet18", "-o", r, "--json"]));
    assert_eq!((first["outcome"].as_str(), first["version"].as_u64()), (Some("created"), Some(1)), "{first}");
    // The same model again changes nothing; another seed's weights are version 2.
    let again = json(zoo(&["bundle", "triton", "resnet18", "-o", r, "--json"]));
    assert_eq!(again["outcome"], "unchanged");
    let other = dir.path().join("other.onnx");
    ok(zoo(&["export", "resnet18", "--seed", "1", "-o", p(&other)]));
    let v2 = json(zoo(&["bundle", "triton", p(&other), "--name", "resnet18-v1.5", "-o", r, "--json"]));
    assert_eq!((v2["outcome"].as_str(), v2["version"].as_u64()), (Some("added"), Some(2)), "{v2}");
    // A fixed-batch file, a GPU bundle through TensorRT, and a file with external data.
    ok(zoo(&["bundle", "triton", "alexnet", "--batch", "1", "-o", r]));
    ok(zoo(&[
        "bundle",
        "triton",
        "googlenet",
        "--optimize",
        "--precision",
        "fp16",
        "--kind",
        "gpu",
        "--tensorrt",
        "--trt-precision",
        "fp16",
        "-o",
        r,
    ]));
    let ext = dir.path().join("ext.onnx");
    ok(zoo(&["export", "alexnet", "--variant", "torchvision", "--external-data", "-o", p(&ext)]));
    ok(zoo(&["bundle", "triton", p(&ext), "-o", r]));
    assert!(repo.join("ext/1/ext.onnx.data").is_file());

    let c = python_check("check_triton.py", &[r]);
    let models = c["models"].as_array().unwrap();
    let names: Vec<&str> = models.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["alexnet-lrn", "ext", "googlenet-paper-optimized-fp16", "resnet18-v1.5"], "{c}");
    assert_eq!(models[0]["max_batch_size"], 0);
    assert_eq!(models[2]["accelerators"], serde_json::json!(["tensorrt"]));
    assert_eq!(models[3]["versions"], serde_json::json!([1, 2]));
    // Every 1000-class head gets ImageNet-1k's names, in torchvision's order.
    for m in models {
        assert_eq!(m["labels"].as_object().unwrap().values().next(), Some(&serde_json::json!(1000)), "{m}");
    }
    let names = std::fs::read_to_string(repo.join("resnet18-v1.5/labels.txt")).unwrap();
    assert_eq!(names.lines().next(), Some("tench"));
    assert_eq!(first["labels"]["classes"], 1000, "{first}");

    // Own labels for an own head; a count that fits no output is refused, nothing written.
    let ten = dir.path().join("ten.onnx");
    ok(zoo(&["export", "alexnet", "--num-classes", "10", "-o", p(&ten)]));
    let none = json(zoo(&["bundle", "triton", p(&ten), "-o", r, "--json"]));
    assert!(none["labels"].is_null(), "no default labels for a 10-class head: {none}");
    let classes = dir.path().join("classes.txt");
    std::fs::write(&classes, (0..10).map(|i| format!("class {i}\n")).collect::<String>()).unwrap();
    let own = json(zoo(&["bundle", "triton", p(&ten), "--labels", p(&classes), "-o", r, "--json"]));
    assert_eq!((own["version"].as_u64(), own["labels"]["classes"].as_u64()), (Some(2), Some(10)), "{own}");
    std::fs::write(&classes, "cat\ndog\n").unwrap();
    fails_with(
        zoo(&["bundle", "triton", p(&ten), "--labels", p(&classes), "--name", "ten-b", "-o", r]),
        "has 2 names, but no output of",
    );
    assert!(!repo.join("ten-b").exists());
    let c = python_check("check_triton.py", &[r]);
    assert_eq!(c["ok"], true, "{c}");
    // Triton itself (tritonserver 2.51 from nvidia-pytriton) validates every configuration and
    // stops only at the missing onnxruntime backend library: CPU, fixed-batch, GPU/TensorRT,
    // external-data, labelled and two-version models alike.
    let server = python_check("check_tritonserver.py", &[r]);
    let statuses = server["models"].as_object().unwrap();
    assert_eq!(statuses.len(), 5, "{server}");
    assert!(statuses.values().all(|s| s.as_str().unwrap().contains("backend 'onnxruntime'")), "{server}");
    assert_eq!(server["server_version"], "2.51.0");
    // Wrong on purpose, in a repository of their own: a preferred batch size above the maximum
    // (which protobuf's schema alone accepts) and a name that is not the folder's.
    let bad = dir.path().join("bad");
    copy_model(&repo.join("resnet18-v1.5"), &bad.join("resnet18-v1.5"));
    let cfg = bad.join("resnet18-v1.5/config.pbtxt");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("preferred_batch_size: [ 4, 8 ]", "preferred_batch_size: [ 4, 16 ]")).unwrap();
    assert_eq!(python_check("check_triton.py", &[p(&bad)])["ok"], true, "the schema alone accepts it");
    copy_model(&repo.join("alexnet-lrn"), &bad.join("other"));
    let out = Command::new(python()).arg(root().join("tests/python/check_tritonserver.py")).arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("preferred size must be <= max batch size"), "{err}");
    assert!(err.contains("directory name must equal model name"), "{err}");
    // A labels file that does not fit its output fails Triton's checker: the check can fail.
    std::fs::write(repo.join("ten/labels.txt"), "cat\n").unwrap();
    let out = Command::new(python()).arg(root().join("tests/python/check_triton.py")).arg(r).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("labels.txt has 1 lines"), "{out:?}");
    std::fs::remove_dir_all(repo.join("ten")).unwrap();

    // The checker fails on a config Triton would reject: the test can fail.
    let cfg = repo.join("resnet18-v1.5/config.pbtxt");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("max_batch_size", "max_batch_sizes")).unwrap();
    let out = Command::new(python()).arg(root().join("tests/python/check_triton.py")).arg(r).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_batch_sizes"));
    std::fs::write(&cfg, text.replace("TYPE_FP32", "TYPE_FLOAT32")).unwrap();
    let out = Command::new(python()).arg(root().join("tests/python/check_triton.py")).arg(r).output().unwrap();
    assert!(!out.status.success());
}

/// A model folder copied, for configurations broken on purpose.
fn copy_model(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_model(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn bad_bundles_are_refused_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(repo.join("README"), "mine").unwrap();
    fails_with(zoo(&["bundle", "triton", "alexnet", "-o", p(&repo)]), "the repository holds other things");
    std::fs::remove_file(repo.join("README")).unwrap();
    fails_with(
        zoo(&["bundle", "triton", "alexnet", "--name", "../x", "-o", p(&repo)]),
        "bundle name `../x` is rejected",
    );
    fails_with(
        zoo(&["bundle", "triton", "alexnet", "--batch", "1", "--max-batch-size", "4", "-o", p(&repo)]),
        "needs a dynamic first dimension",
    );
    fails_with(zoo(&["bundle", "triton", "alexnet", "--tensorrt", "-o", p(&repo)]), "--tensorrt needs --kind gpu");
    fails_with(zoo(&["bundle", "triton", "/no/such.onnx", "-o", p(&repo)]), "cannot read /no/such.onnx");
    assert_eq!(std::fs::read_dir(&repo).unwrap().count(), 0, "something was left in the repository");
}
