//! `zoo lint`: every rule fires on the fixture made to break it (`tests/python/lint_fixtures.py`)
//! and nowhere else, and zoo's own default exports are clean for every target.

use crate::support::{fails_with, json, ok, python_check, zoo};

#[test]
fn each_rule_fires_on_its_fixture_only() {
    let dir = tempfile::tempdir().unwrap();
    let made = python_check("lint_fixtures.py", &[dir.path().to_str().unwrap()]);
    let files = made["files"].as_object().unwrap();
    assert_eq!(files.len(), 11);
    // ONNX Runtime itself refuses what its rules call errors, and loads the rest of its fixtures.
    let loads = &made["onnxruntime_loads"];
    for name in ["opset27", "ir14", "lrn4"] {
        assert_eq!(loads[name], false, "{name}: {made}");
    }
    for name in ["opset21", "conv_fp16", "conv_f32", "ceil_pool", "bf16"] {
        assert_eq!(loads[name], true, "{name}: {made}");
    }
    for (name, rule) in files {
        // A fixture may break one rule of several stacks at once (opset 27): all of them fire.
        let want: Vec<&str> = rule.as_str().unwrap().split(',').collect();
        let path = dir.path().join(format!("{name}.onnx"));
        let o = zoo(&["lint", path.to_str().unwrap(), "--json"]);
        let failed = !o.status.success();
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let rules: Vec<String> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}/{}", f["target"].as_str().unwrap(), f["rule"].as_str().unwrap()))
            .collect();
        let mut got = rules.clone();
        got.sort();
        got.dedup();
        assert_eq!(got, want, "{name}: {rules:?}, expected {rule}");
        // Errors fail the command; these rules are warnings.
        let warning_only = ["tensorrt/ceil-pool-padding", "onnxruntime/fp16-on-cpu", "openvino/inference-precision"]
            .contains(&want[0]);
        assert_eq!(failed, !warning_only, "{name}: {r}");
        assert!(r["findings"][0]["source"].as_str().unwrap().len() > 10, "every rule cites its source");
    }
    let lrn = dir.path().join("lrn4.onnx");
    fails_with(zoo(&["lint", lrn.to_str().unwrap(), "--target", "tensorrt"]), "has 1 portability errors for tensorrt");
    // The same file is fine for tract.
    ok(zoo(&["lint", lrn.to_str().unwrap(), "--target", "tract"]));
}

#[test]
fn zoo_exports_are_clean_and_get_a_trtexec_line() {
    let dir = tempfile::tempdir().unwrap();
    for (model, variant) in [("alexnet", "lrn"), ("googlenet", "paper"), ("resnet18", "v1.5")] {
        let path = dir.path().join(format!("{model}.onnx"));
        let p = path.to_str().unwrap();
        ok(zoo(&["export", model, "--variant", variant, "-o", p]));
        let r = json(zoo(&["lint", p, "--json"]));
        // TensorRT's dynamic batch (with its trtexec line) and OpenVINO's default precision.
        assert_eq!((r["errors"].as_u64(), r["warnings"].as_u64()), (Some(0), Some(2)), "{model}: {r}");
        assert_eq!(r["findings"][1]["rule"], "inference-precision", "{r}");
        let m = r["findings"][0]["message"].as_str().unwrap();
        assert!(m.contains("--minShapes=input:1x3x") && m.contains("--maxShapes=input:32x3x"), "{m}");
    }
    let fixed = dir.path().join("fixed.onnx");
    ok(zoo(&["export", "alexnet", "--batch", "1", "-o", fixed.to_str().unwrap()]));
    let r = json(zoo(&["lint", fixed.to_str().unwrap(), "--json", "--target", "tensorrt,onnxruntime,tract,triton"]));
    assert_eq!(r["findings"], serde_json::json!([]), "{r}");
    // zoo's fp16 export: ONNX Runtime's CPU provider computes its convolutions in float32.
    let half = dir.path().join("half.onnx");
    ok(zoo(&["export", "alexnet", "--precision", "fp16", "-o", half.to_str().unwrap()]));
    let r = json(zoo(&["lint", half.to_str().unwrap(), "--json", "--target", "onnxruntime,openvino"]));
    let rules: Vec<&str> = r["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["fp16-on-cpu"; 8], "5 convs and 3 linears: {r}");
}

/// `zoo export --target`: the lint runs on the graph before it is written; an error writes
/// nothing, a warning is shown on stderr and the export goes ahead.
#[test]
fn export_target_lints_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.onnx");
    let o = zoo(&["export", "alexnet", "--opset", "21", "--target", "tensorrt", "-o", out.to_str().unwrap()]);
    let err = crate::support::stderr(&o);
    assert!(!o.status.success());
    assert!(err.contains("lint error: tensorrt/opset: opset 21") && err.contains("nothing was written"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "something was written");
    let o = zoo(&["export", "alexnet", "--optimize", "--target", "all", "-o", out.to_str().unwrap()]);
    let err = crate::support::stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("lint warning: tensorrt/dynamic-shapes"), "{err}");
    assert!(out.is_file());
}

/// Lint's predicted refusals for each `(file, inputs)` against what ONNX Runtime, OpenVINO and
/// tract actually do with `zoo run`: the printed matrix, and every disagreement.
fn agreement(files: &[(String, Vec<String>)], out: &std::path::Path) -> (String, Vec<String>) {
    let mut matrix = String::new();
    let mut disagreements = Vec::new();
    for (file, inputs) in files {
        let o = zoo(&["lint", file, "--target", "onnxruntime,openvino,tract", "--json"]);
        let report: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{file}: bad JSON ({e}): {}", crate::support::stderr(&o)));
        let path = std::path::Path::new(file);
        let mut name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name == "model" {
            name = path.parent().unwrap().file_name().unwrap().to_string_lossy().to_string();
        }
        matrix += &format!("{name:<40}");
        for (target, runtime) in [("onnxruntime", "ort"), ("openvino", "openvino"), ("tract", "tract")] {
            let predicted = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["target"] == target && f["severity"] == "error");
            let mut args = vec!["run", file.as_str(), "--runtime", runtime, "-o", out.to_str().unwrap()];
            for i in inputs {
                args.extend(["--input", i.as_str()]);
            }
            let ran = zoo(&args);
            let refused = !ran.status.success();
            matrix += &format!(
                " {runtime}: lint {} / ran {}",
                if predicted { "ERR" } else { "ok " },
                if refused { "REFUSED" } else { "ok     " }
            );
            if predicted != refused {
                disagreements.push(format!(
                    "{name} on {runtime}: lint predicted refusal {predicted}, refused {refused}: {}",
                    crate::support::stderr(&ran)
                ));
            }
        }
        matrix += "\n";
    }
    (matrix, disagreements)
}

/// Runs [`agreement`] on `files` (outputs under `dir`), prints the matrix and fails on any
/// disagreement.
fn assert_agreement(files: &[(String, Vec<String>)], dir: &std::path::Path) {
    let (matrix, disagreements) = agreement(files, &dir.join("out"));
    println!("{matrix}");
    assert!(disagreements.is_empty(), "{matrix}\n{}", disagreements.join("\n"));
}

/// Lint's predicted refusals against what ONNX Runtime, OpenVINO and tract actually do, file by
/// file (`tests/python/lint_corpus.py`: old-opset ops, custom and contrib domains, IR 14, opset
/// 27, even LRN): no file lint passes for a runtime may be refused by it, and every refusal lint
/// predicts happens. The matrix is printed.
#[test]
fn lint_agrees_with_the_runtimes() {
    let dir = tempfile::tempdir().unwrap();
    let made = python_check("lint_corpus.py", &[dir.path().to_str().unwrap()]);
    let input = made["input"].as_str().unwrap().to_string();
    let files: Vec<(String, Vec<String>)> = made["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f.as_str().unwrap().to_string(), vec![input.clone()]))
        .collect();
    assert_agreement(&files, dir.path());
}

/// The same agreement on files nobody here wrote: onnx 1.17.0's backend node tests (their own
/// inputs) — 24 picked, and every one whose ops are all ops zoo reads (its registry), less
/// those of types zoo does not exchange (counted and printed) — and four of the ONNX Model
/// Zoo's light graphs (`scripts/corpora`): 493 files, about 140 s on two cores.
#[test]
fn lint_agrees_with_the_runtimes_on_the_corpora() {
    let corpora = crate::support::root().join(".corpora/onnx-1.17.0");
    assert!(
        corpora.join("light").is_dir(),
        "{} is missing: run scripts/corpora (scripts/test does)",
        corpora.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let ops: Vec<&str> = zoo_graph::ops::REGISTRY.iter().map(|d| d.name).collect();
    let made = python_check(
        "corpus_sample.py",
        &["--ops", &ops.join(","), corpora.to_str().unwrap(), dir.path().to_str().unwrap()],
    );
    println!("left out: {}", made["left_out"]);
    let files: Vec<(String, Vec<String>)> = made["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let inputs = f["inputs"].as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_string()).collect();
            (f["path"].as_str().unwrap().to_string(), inputs)
        })
        .collect();
    assert!(files.len() >= 400, "{made}");
    assert_agreement(&files, dir.path());
}

/// The same agreement on torch.onnx.export's own files: `tests/fixtures/torch-export/` (a
/// network of torchvision's mobile blocks exported by the TorchScript exporter at opsets 9, 11,
/// 13 and 17, unfolded, with dynamic axes, and by dynamo; `tests/python/torch_corpus.py
/// --fixtures`), and with `ZOO_TORCH_CORPUS=DIR` the torchvision classifiers
/// `scripts/lint-agreement` exports there (`corpus.json`: files and their inputs).
#[test]
fn lint_agrees_with_the_runtimes_on_torch_exports() {
    let fixtures = crate::support::root().join("tests/fixtures/torch-export");
    let input = fixtures.join("input.pb").to_str().unwrap().to_string();
    let mut files: Vec<(String, Vec<String>)> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
        .map(|p| (p.to_str().unwrap().to_string(), vec![input.clone()]))
        .collect();
    files.sort();
    assert_eq!(files.len(), 7, "{files:?}");
    if let Ok(dir) = std::env::var("ZOO_TORCH_CORPUS") {
        let listed: serde_json::Value =
            serde_json::from_slice(&std::fs::read(std::path::Path::new(&dir).join("corpus.json")).unwrap()).unwrap();
        for f in listed["files"].as_array().unwrap() {
            let f = f.as_str().unwrap();
            files.push((f.to_string(), vec![listed["input"][f].as_str().unwrap().to_string()]));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    assert_agreement(&files, dir.path());
}
