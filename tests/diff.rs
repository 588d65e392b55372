//! `zoo diff A B`: layers aligned by weight names, equivalence judged on ONNX Runtime's outputs.

use std::path::Path;

use crate::support::{json, ok, python_check, zoo};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn diff(a: &Path, b: &Path) -> (bool, serde_json::Value) {
    let o = zoo(&["diff", p(a), p(b), "--json"]);
    (o.status.success(), serde_json::from_slice(&o.stdout).unwrap())
}

#[test]
fn compiled_files_are_equivalent_and_broken_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let f = |n: &str| dir.path().join(n);
    let (plain, opt, broken, other) = (f("plain.onnx"), f("opt.onnx"), f("broken.onnx"), f("other.onnx"));
    ok(zoo(&["export", "resnet18", "-o", p(&plain)]));
    json(zoo(&["compile", p(&plain), "-o", p(&opt), "--optimize", "--json"]));

    let (same, r) = diff(&plain, &plain);
    assert!(same && r["layers"].as_array().unwrap().iter().all(|l| l["differences"] == serde_json::json!([])), "{r}");

    // Folding: every BatchNorm only in A, every conv's weights changed, yet the same outputs.
    let (eq, r) = diff(&plain, &opt);
    assert!(eq, "{r}");
    let layers = r["layers"].as_array().unwrap();
    let only_a = layers.iter().filter(|l| l["differences"] == serde_json::json!(["only in A"])).count();
    assert_eq!(only_a, 20, "{r}");
    let conv1 = layers.iter().find(|l| l["a"] == "conv1").unwrap();
    assert!(conv1["differences"].to_string().contains("`conv1.weight` values differ"), "{conv1}");
    assert_eq!(r["outputs"]["pass"], true);

    // One conv's weights moved by 0.01: named, and the outputs differ.
    python_check("break_model.py", &[p(&plain), p(&broken), "--add-to", "layer3.0.conv1.weight", "0.01"]);
    let (eq, r) = diff(&plain, &broken);
    assert!(!eq, "{r}");
    let changed: Vec<&str> = r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["differences"] != serde_json::json!([]))
        .map(|l| l["a"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["layer3.0.conv1"], "{r}");
    assert_eq!(r["outputs"]["pass"], false);

    ok(zoo(&["export", "resnet18", "--seed", "1", "-o", p(&other)]));
    let (eq, _) = diff(&plain, &other);
    assert!(!eq);
}
