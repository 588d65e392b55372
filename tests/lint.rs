//! `zoo lint`: every rule fires on the fixture made to break it (`tests/python/lint_fixtures.py`)
//! and nowhere else, and zoo's own default exports are clean for every target.

use crate::support::{fails_with, json, ok, python_check, zoo};

#[test]
fn each_rule_fires_on_its_fixture_only() {
    let dir = tempfile::tempdir().unwrap();
    let made = python_check("lint_fixtures.py", &[dir.path().to_str().unwrap()]);
    let files = made["files"].as_object().unwrap();
    assert_eq!(files.len(), 7);
    for (name, rule) in files {
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
        assert!(!rules.is_empty() && rules.iter().all(|r| r == rule), "{name}: {rules:?}, expected {rule}");
        // Errors fail the command; the ceil-mode rule is a warning.
        let warning_only = rule == "tensorrt/ceil-pool-padding";
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
        assert_eq!((r["errors"].as_u64(), r["warnings"].as_u64()), (Some(0), Some(1)), "{model}: {r}");
        let m = r["findings"][0]["message"].as_str().unwrap();
        assert!(m.contains("--minShapes=input:1x3x") && m.contains("--maxShapes=input:32x3x"), "{m}");
    }
    let fixed = dir.path().join("fixed.onnx");
    ok(zoo(&["export", "alexnet", "--batch", "1", "-o", fixed.to_str().unwrap()]));
    let r = json(zoo(&["lint", fixed.to_str().unwrap(), "--json"]));
    assert_eq!(r["findings"], serde_json::json!([]), "{r}");
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
