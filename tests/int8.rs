//! int8: `zoo export/compile --precision int8`, checked by tools zoo did not write
//! (`tests/python/check_int8.py`: onnx's full checker and strict shape inference, ONNX
//! Runtime's optimized graph, ONNX Runtime's own `quantize_static` on the same fp32 file and
//! calibration data), by `zoo verify` on ONNX Runtime and tract, and per layer by SQNR.

use std::path::Path;

use crate::support::{fails_with, json, ok, python, python_check, root, sha256_file, zoo};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `n` calibration inputs of the variant's input shape as `input_<i>.pb`: zoo's seeded items
/// from a stream of their own, handed to zoo and to the peer alike.
fn calibration_dir(dir: &Path, n: usize, shape: [usize; 3]) {
    std::fs::create_dir_all(dir).unwrap();
    for (i, t) in zoo_artifacts::golden::seeded_items("tests.int8.calibration", "input", &shape, n).iter().enumerate() {
        zoo_runtime::pb::write_tensor(&dir.join(format!("input_{i}.pb")), t).unwrap();
    }
}

/// Exports `model`/`variant` with --optimize (the fp32 graph int8 starts from), compiles it to
/// int8 on the same calibration data the peer gets, and runs the checker.
fn against_peer(model: &str, variant: &str, scheme: &str, method: &str, kernels: bool) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let (fp32, int8, cal) = (dir.path().join("fp32.onnx"), dir.path().join("int8.onnx"), dir.path().join("cal"));
    ok(zoo(&["export", model, "--variant", variant, "--optimize", "-o", p(&fp32)]));
    let shape = if model == "alexnet" && variant != "torchvision" { [3, 227, 227] } else { [3, 224, 224] };
    calibration_dir(&cal, 8, shape);
    let report = json(zoo(&[
        "compile",
        p(&fp32),
        "-o",
        p(&int8),
        "--precision",
        "int8",
        "--int8",
        scheme,
        "--calibration",
        p(&cal),
        "--calibration-method",
        method,
        "--json",
    ]));
    let int8_pass = report["passes"].as_array().unwrap().iter().find(|r| r["pass"] == "int8").unwrap().clone();
    let mut args = vec![p(&int8), "--fp32", p(&fp32), "--calibration", p(&cal), "--scheme", scheme, "--method", method];
    if kernels {
        args.push("--int8-kernels");
    }
    let mut r = python_check("check_int8.py", &args);
    // zoo verify: ONNX Runtime, tract and OpenVINO run it and agree (the golden data of the
    // reference).
    let v = json(zoo(&["verify", p(&int8), "--json"]));
    assert_eq!(v[0]["pass"], true, "{v}");
    assert_int8_runtimes(&v[0]);
    r["int8_pass"] = int8_pass;
    r
}

/// MinMax on ResNet-18, u8s8: every scale and zero point is quantize_static's, value for value;
/// ONNX Runtime fuses every layer into an int8 kernel; the file is a quarter of the fp32 one.
#[test]
fn resnet18_minmax_equals_onnx_runtimes_quantizer() {
    let r = against_peer("resnet18", "v1.5", "u8s8", "minmax", true);
    assert_eq!(r["weights"]["quantized"], 21, "{r}");
    assert!(r["weights"]["max_scale_ulps"].as_f64().unwrap() <= 1.0, "{r}");
    assert_eq!(r["activations"]["common"], r["activations"]["zoo"], "{r}");
    assert!(r["activations"]["differ"].as_array().unwrap().is_empty(), "{r}");
    // 20 convolutions, 8 residual adds and the classifier run as int8 kernels.
    assert_eq!(r["kernels"]["ops"]["QLinearConv"], 20, "{r}");
    assert_eq!(r["kernels"]["ops"]["QLinearAdd"], 8, "{r}");
    assert_eq!(r["kernels"]["ops"]["QGemm"], 1, "{r}");
    let changed = r["int8_pass"]["changed"].as_array().unwrap();
    assert!(changed.iter().any(|c| c.as_str().unwrap().contains("17 ReLUs folded")), "{changed:?}");
}

/// Percentile (the default method) on GoogLeNet (paper): LRN stays float and the report says
/// so; Concat and the pools are quantized; SQNR per layer at least the peer's less 0.5 dB.
#[test]
fn googlenet_percentile_is_as_good_as_the_peer_and_names_what_stays_float() {
    let r = against_peer("googlenet", "paper", "u8s8", "percentile", true);
    let kept = r["int8_pass"]["kept"].as_array().unwrap();
    let lrn: Vec<_> =
        kept.iter().filter(|k| k["why"].as_str().unwrap().starts_with("LRN has no int8 kernel")).collect();
    assert_eq!(lrn.len(), 2, "{kept:?}");
    assert!(r["kernels"]["ops"]["QLinearConcat"].as_u64().unwrap_or(0) >= 9, "{r}");
    for l in r["layers"].as_array().unwrap() {
        let db = |k: &str| l[k].as_f64().unwrap_or(f64::INFINITY);
        assert!(db("zoo_db") >= db("peer_db") - 0.5, "{l}");
    }
}

/// TensorRT's scheme: symmetric int8 activations (every zero point 0), ReLUs kept; the
/// weights are the same per-channel ones.
#[test]
fn tensorrt_scheme_is_symmetric_and_keeps_relu() {
    let r = against_peer("alexnet", "torchvision", "tensorrt", "minmax", false);
    assert!(r["activations"]["differ"].as_array().unwrap().is_empty(), "{r}");
    let kept = r["int8_pass"]["kept"].as_array().unwrap();
    assert!(kept.iter().any(|k| k["why"].as_str().unwrap().contains("symmetric activations")), "{kept:?}");
}

/// Seeded calibration is reproducible byte for byte; the default scheme is stated; the file
/// is ≤ 0.27× the fp32 one; `verify --layers --reference` passes every layer on SQNR, and a
/// file with one weight scale broken fails at that layer first.
#[test]
fn int8_export_is_reproducible_small_and_verified_per_layer() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, plain) = (dir.path().join("a.onnx"), dir.path().join("b.onnx"), dir.path().join("plain.onnx"));
    let report = ok(zoo(&["export", "resnet18", "--precision", "int8", "--calibrate", "4", "-o", p(&a)]));
    assert!(report.contains("scheme u8s8 (x86") || report.contains("scheme s8s8 (ARM"), "{report}");
    ok(zoo(&["export", "resnet18", "--precision", "int8", "--calibrate", "4", "-o", p(&b)]));
    assert_eq!(sha256_file(&a), sha256_file(&b));
    ok(zoo(&["export", "resnet18", "-o", p(&plain)]));
    let ratio = std::fs::metadata(&a).unwrap().len() as f64 / std::fs::metadata(&plain).unwrap().len() as f64;
    assert!(ratio <= 0.27, "int8 file is {ratio:.3}× the fp32 one");

    // The end-to-end figure, raw and on the input-dependent part (what seeded weights hide).
    let v = json(zoo(&["verify", p(&a), "--reference", p(&plain), "--batch", "4", "--json"]));
    assert_eq!(v[0]["pass"], true, "{v}");
    let e2e =
        v[0]["checks"].as_array().unwrap().iter().find(|c| c[0].as_str().unwrap().contains("end-to-end")).cloned();
    assert!(e2e.is_some_and(|c| c[2].as_str().unwrap().contains("dB on the input-dependent part")), "{v}");

    let layers = json(zoo(&["verify", p(&a), "--layers", "--reference", p(&plain), "--batch", "1", "--json"]));
    assert_eq!(layers["pass"], true, "{layers}");
    assert!(layers["rows"].as_array().unwrap().len() > 40, "{layers}");

    let broken = dir.path().join("broken.onnx");
    let out = std::process::Command::new(python())
        .arg(root().join("tests/python/break_model.py"))
        .args([p(&a), p(&broken), "--add-to", "layer2.0.conv1.weight.scale", "1.0"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let o = zoo(&["verify", p(&broken), "--layers", "--reference", p(&plain), "--batch", "1", "--json"]);
    assert!(!o.status.success());
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["first_failure"], "layer2.0.bn1", "{r}");
}

#[test]
fn bad_calibration_inputs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.onnx");
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let run = |cal: &Path| zoo(&["export", "resnet18", "--precision", "int8", "--calibration", p(cal), "-o", p(&out)]);
    fails_with(run(&empty), "no input in");
    std::fs::write(empty.join("cat.png"), b"\x89PNG").unwrap();
    fails_with(run(&empty), "cannot decode image");
    fails_with(run(&dir.path().join("missing")), "cannot read the input folder");
    let wrong = dir.path().join("wrong");
    calibration_dir(&wrong, 1, [3, 32, 32]);
    fails_with(run(&wrong), "the model takes [N, 3, 224, 224]");
    let corrupt = dir.path().join("corrupt");
    std::fs::create_dir_all(&corrupt).unwrap();
    std::fs::write(corrupt.join("input_0.pb"), b"\x0a\xff\xff").unwrap();
    fails_with(run(&corrupt), "calibration: input tensor");
    assert!(!out.exists(), "nothing written on error");
}

/// A saved calibration table reproduces the quantization without calibrating (the same
/// tensors as the calibrated export; only the provenance line differs), byte for byte every
/// time; a table for the other kind of activations, or a hostile one, is refused by name.
#[test]
fn calibration_tables_reproduce_the_quantization() {
    let dir = tempfile::tempdir().unwrap();
    let (table, a, b, c) =
        (dir.path().join("t.json"), dir.path().join("a.onnx"), dir.path().join("b.onnx"), dir.path().join("c.onnx"));
    let e = |extra: &[&str], out: &Path| {
        let mut args = vec!["export", "resnet18", "--precision", "int8", "--json", "-o", p(out)];
        args.extend(extra);
        json(zoo(&args))
    };
    let calibrated = e(&["--calibrate", "4", "--save-calibration", p(&table)], &a);
    let from_table = e(&["--calibration-table", p(&table)], &b);
    e(&["--calibration-table", p(&table)], &c);
    assert_eq!(calibrated["weights_sha256"], from_table["weights_sha256"]);
    assert_eq!(sha256_file(&b), sha256_file(&c));
    let out = dir.path().join("x.onnx");
    fails_with(
        zoo(&[
            "export",
            "resnet18",
            "--precision",
            "int8",
            "--int8",
            "tensorrt",
            "--calibration-table",
            p(&table),
            "-o",
            p(&out),
        ]),
        "its ranges are for asymmetric activations",
    );
    let text = std::fs::read_to_string(&table).unwrap();
    let hostile = dir.path().join("h.json");
    std::fs::write(&hostile, text.replacen("0.0,", "1e39,", 1)).unwrap();
    fails_with(
        zoo(&["export", "resnet18", "--precision", "int8", "--calibration-table", p(&hostile), "-o", p(&out)]),
        "the range of `avgpool` is [inf, 7.558285], not a finite interval",
    );
    std::fs::write(&hostile, "{}").unwrap();
    fails_with(
        zoo(&["export", "resnet18", "--precision", "int8", "--calibration-table", p(&hostile), "-o", p(&out)]),
        "is not a calibration table written by --save-calibration",
    );
    assert!(!out.exists());
}

/// Whether this CPU has VNNI, whose int8 dot products accumulate in int32.
fn vnni() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        std::arch::is_x86_feature_detected!("avx512vnni") || std::arch::is_x86_feature_detected!("avxvnni")
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        true
    }
}

/// A verify report of a zoo int8 file (weights at ±127) compares tract, and ONNX Runtime's and
/// OpenVINO's CPU kernels where the CPU has VNNI; without it those two are skipped with the
/// reason (their uint8×int8 pair sums saturate int16), never compared and never silently left out.
pub fn assert_int8_runtimes(report: &serde_json::Value) {
    let compared: Vec<&str> =
        report["comparisons"].as_array().unwrap().iter().map(|c| c["runtime"].as_str().unwrap()).collect();
    let skipped: Vec<(&str, &str)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s[0].as_str().unwrap(), s[1].as_str().unwrap()))
        .collect();
    assert!(compared.contains(&"tract"), "tract: {report}");
    for kernel in ["ort/cpu", "openvino/cpu"] {
        if vnni() {
            assert!(compared.contains(&kernel), "{kernel}: {report}");
        } else {
            assert!(!compared.contains(&kernel), "{kernel} compared without VNNI: {report}");
            assert!(
                skipped.iter().any(|(r, why)| *r == kernel && why.contains("no VNNI") && why.contains("vpmaddubsw")),
                "{kernel} not skipped with its reason: {report}"
            );
        }
    }
}
