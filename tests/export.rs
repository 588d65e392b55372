//! `zoo export`: every variant at opsets 13, 17 and 21, checked by tools zoo did not write,
//! and byte-for-byte reproducibility.

use crate::support::{json, ok, python_check, zoo, zoo_in};

/// The variant's published trainable-parameter count at 1000 classes (the catalogue's).
fn params(variant: &str) -> u64 {
    zoo_models::find("alexnet", Some(variant)).expect("known variant").1.published.params
}

/// Exports `variant` at opsets 13, 17 and 21 and runs the independent checker on each:
/// onnx.checker (full), strict shape inference against zoo's shapes, parameter names and
/// counts, ONNX Runtime, and a numpy forward pass written from the paper.
fn check_variant(variant: &str) {
    let dir = tempfile::tempdir().unwrap();
    let expect = params(variant).to_string();
    let mut outputs = Vec::new();
    for opset in ["13", "17", "21"] {
        let path = dir.path().join(format!("{variant}-{opset}.onnx"));
        let p = path.to_str().unwrap();
        let e = json(zoo(&["export", "alexnet", "--variant", variant, "--opset", opset, "-o", p, "--json"]));
        assert_eq!(e["params"].as_u64(), Some(params(variant)));
        let r =
            python_check("check_onnx.py", &[p, "--model", "alexnet", "--variant", variant, "--expect-params", &expect]);
        assert_eq!(r["opset"].as_i64(), Some(opset.parse().unwrap()), "{r}");
        outputs.push(e["weights_sha256"].clone());
        std::fs::remove_file(&path).unwrap();
    }
    // The opset changes the graph's encoding, never the weights.
    assert!(outputs.windows(2).all(|w| w[0] == w[1]), "{outputs:?}");
}

#[test]
fn lrn_is_checked_by_onnx_ort_and_numpy() {
    check_variant("lrn");
}

#[test]
fn bvlc_is_checked_by_onnx_ort_and_numpy() {
    check_variant("bvlc");
}

#[test]
fn bn_is_checked_by_onnx_ort_and_numpy() {
    check_variant("bn");
}

#[test]
fn torchvision_is_checked_by_onnx_ort_and_numpy() {
    check_variant("torchvision");
}

#[test]
fn options_fixed_batch_classes_and_softmax() {
    let dir = tempfile::tempdir().unwrap();
    for (variant, extra, classes) in [
        ("torchvision", &["--batch", "3", "--num-classes", "10", "--softmax"][..], 10u64),
        ("lrn", &["--num-classes", "7", "--no-softmax", "--opset", "21"], 7),
        ("bn", &["--batch", "1", "--num-classes", "5", "--opset", "13"], 5),
    ] {
        let path = dir.path().join(format!("{variant}.onnx"));
        let p = path.to_str().unwrap();
        let mut args = vec!["export", "alexnet", "--variant", variant, "-o", p];
        args.extend_from_slice(extra);
        ok(zoo(&args));
        let mut check = vec![p, "--model", "alexnet", "--variant", variant];
        let n = classes.to_string();
        check.extend(["--num-classes", &n]);
        check.extend(extra.iter().filter(|a| a.ends_with("softmax")));
        let r = python_check("check_onnx.py", &check);
        // The checker compared the file's output shape with [batch, classes] (a mismatch is one
        // of its failures), so the classes it was asked about must be the ones it reports.
        assert_eq!(r["num_classes"], serde_json::json!(classes), "{r}");
        assert_eq!((r["ok"].as_bool(), r["failures"].as_array().map(Vec::len)), (Some(true), Some(0)), "{r}");
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn same_inputs_give_identical_bytes_and_the_seed_matters() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let run = |name: &str, seed: &str| {
        json(zoo(&["export", "alexnet", "--variant", "bvlc", "--seed", seed, "-o", &path(name), "--json"]))
    };
    let (a, b, c) = (run("a.onnx", "5"), run("b.onnx", "5"), run("c.onnx", "6"));
    assert_eq!(a["sha256"], b["sha256"]);
    assert_eq!(std::fs::read(path("a.onnx")).unwrap(), std::fs::read(path("b.onnx")).unwrap());
    assert_ne!(a["weights_sha256"], c["weights_sha256"]);
    // The printed digest is the file's.
    let bytes = std::fs::read(path("a.onnx")).unwrap();
    assert_eq!(a["bytes"].as_u64(), Some(bytes.len() as u64));
}

#[test]
fn default_file_name_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(zoo_in(dir.path(), &["export", "alexnet", "--opset", "19"]));
    let file = dir.path().join("alexnet-lrn-opset19.onnx");
    assert!(file.exists(), "{out}");
    assert!(out.starts_with("alexnet-lrn-opset19.onnx\n"), "{out}");
    assert!(out.contains("sha256"), "{out}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "temporary files left behind: {left:?}");
}

/// VGG, ResNet and GoogLeNet pass onnx's full checker and strict shape inference, and ONNX
/// Runtime runs them, at the opsets' extremes (one representative per family and variant kind).
#[test]
fn other_families_pass_onnx_checks() {
    let dir = tempfile::tempdir().unwrap();
    for (model, variant, opset) in [
        ("vgg11", "bn", "13"),
        ("resnet18", "v1.5", "21"),
        ("resnet50", "v1", "13"),
        ("googlenet", "paper", "21"),
        ("googlenet", "torchvision", "13"),
    ] {
        let path = dir.path().join(format!("{model}-{variant}.onnx"));
        let p = path.to_str().unwrap();
        ok(zoo(&["export", model, "--variant", variant, "--opset", opset, "-o", p]));
        let r = python_check("check_structure.py", &[p]);
        assert_eq!(r["ok"], true, "{r}");
        assert!(r["shape_inference"]["value_info_compared"].as_u64().unwrap() > 10, "{r}");
        std::fs::remove_file(&path).unwrap();
    }
}
