//! `zoo diff A B`: layers aligned by weight names, equivalence judged on ONNX Runtime's outputs.

use std::path::Path;

use crate::support::{json, ok, python_check, stderr, zoo};

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
    assert_eq!(r["outputs"][0]["pass"], true);
    assert_eq!(r["verdict"], "equivalent");

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
    assert_eq!(r["outputs"][0]["pass"], false);
    assert_eq!(r["verdict"], "differ");

    ok(zoo(&["export", "resnet18", "--seed", "1", "-o", p(&other)]));
    let (eq, _) = diff(&plain, &other);
    assert!(!eq);
}

/// Other exporters' files: weights in Constant nodes, symbolic dimensions, two graph inputs.
/// A verdict is never stronger than what was compared.
#[test]
fn diff_is_equivalent_only_when_it_compared_something() {
    let dir = tempfile::tempdir().unwrap();
    let made = python_check("open_world.py", &[p(dir.path())]);
    let f = |n: &str| std::path::PathBuf::from(made["files"][n].as_str().unwrap());
    let verdict = |a: &str, b: &str, extra: &[&str]| {
        let (fa, fb) = (f(a), f(b));
        let mut args = vec!["diff", p(&fa), p(&fb), "--json"];
        args.extend(extra);
        let o = zoo(&args);
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(o.status.success(), r["verdict"] == "equivalent", "{r}\n{}", stderr(&o));
        r
    };

    // A 2-class classifier against a detector: the outputs differ in shape.
    let r = verdict("classifier", "detector", &[]);
    assert_eq!(r["verdict"], "differ", "{r}");
    assert!(r["why"].as_str().unwrap().contains("[1, 2]"), "{r}");

    // Constant-node weights are aligned and compared like initializers.
    let r = verdict("classifier", "classifier_moved", &[]);
    let conv = r["layers"].as_array().unwrap().iter().find(|l| l["a"] == "conv").unwrap();
    assert!(conv["differences"].to_string().contains("`w1` values differ"), "{r}");
    let r = verdict("detector", "detector_moved", &["--shape", "x=1,3,16,16"]);
    assert_eq!(r["verdict"], "differ", "{r}");
    assert_eq!(r["outputs"][0]["shape"], serde_json::json!([1, 1, 16, 16]), "{r}");

    // Without a shape for H and W nothing runs: not compared, unless the graphs are identical.
    let r = verdict("detector", "detector_moved", &[]);
    assert_eq!(r["verdict"], "not_compared", "{r}");
    assert!(r["why"].as_str().unwrap().contains("--shape x="), "{r}");
    let r = verdict("detector", "detector_renamed", &[]);
    assert_eq!((r["verdict"].as_str(), r["identical_graphs"].as_bool()), (Some("equivalent"), Some(true)), "{r}");

    // Two unrelated models with different inputs: nothing aligned, nothing run.
    let r = verdict("conv_two_inputs", "classifier", &[]);
    assert_eq!(r["verdict"], "not_compared", "{r}");
    let o = zoo(&["diff", p(&f("conv_two_inputs")), p(&f("classifier"))]);
    let text = crate::support::stdout(&o);
    assert!(text.contains("NOT COMPARED") && text.contains("0 aligned"), "{text}");
    assert!(!o.status.success() && stderr(&o).contains("were not compared"), "{}", stderr(&o));

    // A --shape naming no input is a usage error naming the inputs there are.
    let o = zoo(&["diff", p(&f("detector")), p(&f("detector_moved")), "--shape", "y=1,3,8,8"]);
    assert!(!o.status.success() && stderr(&o).contains("no input `y`"), "{}", stderr(&o));
}
