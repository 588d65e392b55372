//! `zoo verify`, `zoo manifests`, `zoo run`, `zoo weights` and `export --weights`: runtimes agree
//! with each other and with the golden data; checksums catch every corrupted artefact.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{copy_dir, fails_with, json, ok, python_check, root, stderr, wait_until, zoo};

const VARIANTS: [&str; 4] = ["lrn", "bvlc", "bn", "torchvision"];

fn zoo_dir() -> PathBuf {
    root().join("zoo")
}

/// Every `zoo/<model>/<variant>/` folder.
fn manifest_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(zoo_dir())
        .unwrap()
        .flatten()
        .filter(|m| m.path().is_dir())
        .flat_map(|m| std::fs::read_dir(m.path()).unwrap().flatten().map(|v| v.path()))
        .filter(|v| v.join("manifest.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn committed_manifests_are_current() {
    let out = ok(zoo(&["manifests", "--zoo-dir", zoo_dir().to_str().unwrap()]));
    let variants = json(zoo(&["list", "--json"])).as_array().unwrap().len();
    assert_eq!(manifest_dirs().len(), variants, "one manifest per model and variant");
    assert_eq!(out.matches(": current").count(), variants, "{out}");
}

/// `zoo verify --all`: every model and variant of the zoo on ONNX Runtime, tract and OpenVINO
/// (scripts/test installs it), each against the golden data and OpenVINO against ort too.
#[test]
fn verify_all_passes_on_ort_tract_and_openvino() {
    let r = json(zoo(&["verify", "--all", "--json", "--zoo-dir", zoo_dir().to_str().unwrap()]));
    let reports = r.as_array().unwrap();
    assert_eq!(reports.len(), manifest_dirs().len());
    for rep in reports {
        assert_eq!(rep["pass"], true, "{rep:#}");
        assert_eq!(rep["skipped"].as_array().unwrap().len(), 0, "{rep:#}");
        let cmp = rep["comparisons"].as_array().unwrap();
        for runtime in ["ort/cpu", "tract", "openvino/cpu"] {
            assert!(cmp.iter().any(|c| c["runtime"] == runtime && c["pass"] == true), "{runtime} missing: {rep:#}");
        }
        assert!(
            cmp.iter().any(|c| c["runtime"] == "openvino/cpu"
                && c["against"] == "ort/cpu"
                && c["providers"].to_string().contains("OpenVINO 2026.4.1 CPU f32")),
            "{rep:#}"
        );
    }
}

/// ort and tract agree with each other and with the golden data for every variant at opsets
/// 13, 17 and 21, at batch 1 and 3 (one dynamic-batch file each).
#[test]
fn ort_and_tract_agree_with_golden_data_everywhere() {
    for variant in VARIANTS {
        for opset in ["13", "17", "21"] {
            let r = json(zoo(&[
                "verify",
                "alexnet",
                "--variant",
                variant,
                "--opset",
                opset,
                "--batch",
                "1,3",
                "--json",
                "--zoo-dir",
                zoo_dir().to_str().unwrap(),
            ]));
            let r = &r[0];
            assert_eq!(r["pass"], true, "{r:#}");
            let cmp = r["comparisons"].as_array().unwrap();
            for runtime in ["ort/cpu", "tract"] {
                for batch in [1, 3] {
                    let golden = cmp.iter().find(|c| {
                        c["runtime"] == runtime
                            && c["batch"] == batch
                            && c["against"].as_str().unwrap().starts_with("golden")
                    });
                    let c =
                        golden.unwrap_or_else(|| panic!("{variant} opset {opset}: no {runtime} batch {batch}: {r:#}"));
                    assert_eq!(c["pass"], true, "{c:#}");
                    assert_eq!(c["top1"], 1.0, "{c:#}");
                }
            }
            assert!(cmp.iter().any(|c| c["runtime"] == "tract" && c["against"] == "ort/cpu"), "{r:#}");
            // The weights are pinned at every opset, the file only at the manifest's.
            let checks = r["checks"].as_array().unwrap();
            assert!(checks.iter().any(|c| c[0] == "weights sha256" && c[1] == true), "{checks:?}");
            assert_eq!(checks.iter().any(|c| c[0] == "file sha256"), opset == "17", "{checks:?}");
        }
    }
}

#[test]
fn golden_outputs_are_informative() {
    for dir in manifest_dirs() {
        let variant = dir.display();
        let m: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let out = zoo_runtime::pb::read_tensor(&dir.join("test_data_set_0/output_0.pb")).unwrap();
        let s = zoo_runtime::compare::spread(&out);
        let atol = m["golden"]["tolerance"]["atol"].as_f64().unwrap();
        assert!(s.across_classes > 20.0 * atol && s.across_inputs > 20.0 * atol, "{variant}: {s:?} vs atol {atol}");
        // Two different inputs, two different answers somewhere near the top.
        assert_ne!(out.item(0), out.item(1));
    }
}

/// zoo's Rust ort runner and ONNX Runtime's Python API give bit-identical outputs on the same
/// file and input, at the same thread count.
#[test]
fn rust_ort_runner_equals_python_onnxruntime_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tv.onnx");
    let m = model.to_str().unwrap();
    ok(zoo(&["export", "alexnet", "--variant", "torchvision", "-o", m]));
    let input = zoo_dir().join("alexnet/torchvision/test_data_set_0/input_0.pb");
    let i = input.to_str().unwrap();
    for threads in ["1", "2"] {
        let ours = dir.path().join(format!("ours{threads}"));
        ok(zoo(&["run", m, "--input", i, "-o", ours.to_str().unwrap(), "--threads", threads]));
        let theirs = dir.path().join(format!("theirs{threads}"));
        python_check("ort_reference.py", &[m, theirs.to_str().unwrap(), i, "--threads", threads]);
        let a = zoo_runtime::pb::read_tensor(&ours.join("output_0.pb")).unwrap();
        let b = zoo_runtime::pb::read_tensor(&theirs.join("output_0.pb")).unwrap();
        assert_eq!(a.shape, b.shape);
        let bits = |t: &zoo_runtime::Tensor| t.data.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b), "threads {threads}");
    }
}

#[test]
fn strict_cuda_without_a_gpu_fails_fast_with_a_clear_message() {
    for ep in ["cuda", "tensorrt"] {
        let t = Instant::now();
        let o = zoo(&["verify", "alexnet", "--variant", "torchvision", "--ep", ep, "--strict-ep"]);
        assert!(t.elapsed() < Duration::from_secs(20), "took {:?}", t.elapsed());
        fails_with(o, "onnxruntime-gpu==1.31.1");
    }
}

#[test]
fn unavailable_providers_are_skipped_and_never_claimed() {
    let r = json(zoo(&["verify", "alexnet", "--variant", "torchvision", "--ep", "tensorrt,cuda,cpu", "--json"]));
    let r = &r[0];
    assert_eq!(r["pass"], true, "{r:#}");
    let skipped = r["skipped"].as_array().unwrap();
    for ep in ["ort/tensorrt", "ort/cuda"] {
        assert!(
            skipped.iter().any(|s| s[0] == ep && s[1].as_str().unwrap().contains("onnxruntime-gpu")),
            "{skipped:?}"
        );
    }
    for c in r["comparisons"].as_array().unwrap() {
        assert!(["ort/cpu", "tract", "openvino/cpu"].contains(&c["runtime"].as_str().unwrap()), "{c:#}");
        assert!(!c["providers"].to_string().contains("CUDA"), "{c:#}");
    }
}

#[test]
fn a_missing_ort_library_is_skipped_with_its_reason_never_passed() {
    let r =
        json(zoo(&["verify", "alexnet", "--variant", "bvlc", "--ort-lib", "/nonexistent/libonnxruntime.so", "--json"]));
    let skipped = r[0]["skipped"].to_string();
    assert!(skipped.contains("/nonexistent/libonnxruntime.so") && skipped.contains("pip install onnxruntime==1.31.1"));
    assert_eq!(r[0]["pass"], true, "tract still ran against the golden data: {r:#}");
    // With ort the only runtime asked for, nothing was verified: that is a failure.
    let o = zoo(&["verify", "alexnet", "--runtime", "ort", "--ort-lib", "/nonexistent/libonnxruntime.so"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("verification failed"), "{}", stderr(&o));
}

/// A missing OpenVINO library, or a library that is not OpenVINO's, is skipped with the reason
/// (once, not per batch) and never counted; asked for alone, it fails the verification.
#[test]
fn a_missing_or_wrong_openvino_library_is_skipped_never_passed() {
    let r = json(zoo(&[
        "verify",
        "alexnet",
        "--variant",
        "bvlc",
        "--ov-lib",
        "/nonexistent/libopenvino_c.so.2641",
        "--json",
    ]));
    let skipped = r[0]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0][0], "openvino");
    let why = skipped[0][1].as_str().unwrap();
    assert!(
        why.contains("/nonexistent/libopenvino_c.so.2641") && why.contains("pip install openvino==2026.4.1"),
        "{why}"
    );
    assert_eq!(r[0]["pass"], true, "ort and tract still ran: {r:#}");
    assert!(r[0]["comparisons"].as_array().unwrap().iter().all(|c| c["runtime"] != "openvino/cpu"));
    // ONNX Runtime's library handed over as OpenVINO's: refused by name, not loaded as one.
    let ort = std::env::var("ORT_DYLIB_PATH").expect("scripts/test exports ORT_DYLIB_PATH");
    let o = zoo(&["verify", "alexnet", "--variant", "bvlc", "--runtime", "openvino", "--ov-lib", &ort]);
    assert!(!o.status.success());
    let (out, err) = (crate::support::stdout(&o), stderr(&o));
    assert!(out.contains("is not OpenVINO's C API library") && out.contains("ov_get_openvino_version"), "{out}");
    assert!(err.contains("verification failed"), "{err}");
}

/// `zoo run --runtime openvino` writes the outputs tract writes, within f32 rounding.
#[test]
fn run_on_openvino_matches_tract() {
    let dir = tempfile::tempdir().unwrap();
    let p = |s: &str| dir.path().join(s).to_str().unwrap().to_string();
    ok(zoo(&["export", "alexnet", "--variant", "lrn", "-o", &p("m.onnx")]));
    let (_, v) = zoo_models::find("alexnet", Some("lrn")).unwrap();
    zoo_runtime::pb::write_tensor(Path::new(&p("in.pb")), &zoo_artifacts::golden::input(v, "input", 1)).unwrap();
    for rt in ["openvino", "tract"] {
        ok(zoo(&["run", &p("m.onnx"), "--input", &p("in.pb"), "--runtime", rt, "-o", &p(rt)]));
    }
    let a = zoo_runtime::pb::read_tensor(Path::new(&p("openvino/output_0.pb"))).unwrap();
    let b = zoo_runtime::pb::read_tensor(Path::new(&p("tract/output_0.pb"))).unwrap();
    assert_eq!(a.shape, [1, 1000]);
    let m = zoo_runtime::compare::compare(&a, &b, zoo_runtime::compare::Tolerance { atol: 1e-5, rtol: 1e-4 }).unwrap();
    assert!(m.max_abs < 1e-5, "{m:?}");
}

#[test]
fn a_corrupted_golden_output_fails_verify_with_the_checksum_named() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&zoo_dir(), tmp.path());
    let out = tmp.path().join("alexnet/bn/test_data_set_0/output_0.pb");
    let mut bytes = std::fs::read(&out).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0x40;
    std::fs::write(&out, bytes).unwrap();
    let o = zoo(&["verify", "alexnet", "--variant", "bn", "--zoo-dir", tmp.path().to_str().unwrap()]);
    assert!(!o.status.success());
    let text = crate::support::stdout(&o);
    assert!(text.contains("checksum mismatch") && text.contains("output_0.pb"), "{text}");
    // And `zoo manifests` reports the same file as not current.
    let o = zoo(&["manifests", "alexnet", "--variant", "bn", "--zoo-dir", tmp.path().to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(crate::support::stdout(&o).contains("checksum mismatch"));
}

#[test]
fn export_refuses_what_does_not_match_its_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&zoo_dir(), &tmp.path().join("zoo"));
    let manifest = tmp.path().join("zoo/alexnet/lrn/manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    m["export"]["sha256"] = "0".repeat(64).into();
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let z = tmp.path().join("zoo");
    let o = out.join("a.onnx");
    fails_with(
        zoo(&["export", "alexnet", "--zoo-dir", z.to_str().unwrap(), "-o", o.to_str().unwrap()]),
        "checksum mismatch: the exported file's SHA-256 of alexnet/lrn",
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0, "something was left behind");
    // Another opset is not pinned file-wise, only weights-wise: it exports.
    ok(zoo(&["export", "alexnet", "--opset", "13", "--zoo-dir", z.to_str().unwrap(), "-o", o.to_str().unwrap()]));

    // The compiled exports are pinned too.
    let e = json(zoo(&[
        "export",
        "alexnet",
        "--optimize",
        "--zoo-dir",
        z.to_str().unwrap(),
        "-o",
        o.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(e["checked_against_manifest"], true, "{e}");
    m["compiled"]["--optimize --precision fp16"]["sha256"] = "0".repeat(64).into();
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    std::fs::remove_file(&o).unwrap();
    fails_with(
        zoo(&[
            "export",
            "alexnet",
            "--optimize",
            "--precision",
            "fp16",
            "--zoo-dir",
            z.to_str().unwrap(),
            "-o",
            o.to_str().unwrap(),
        ]),
        "checksum mismatch: the `--optimize --precision fp16` file's SHA-256 of alexnet/lrn",
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0, "something was left behind");
}

#[test]
fn weights_files_round_trip_and_corruption_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    ok(zoo(&["weights", "alexnet", "--variant", "bvlc", "-o", &p("w.safetensors")]));
    let seeded = json(zoo(&["export", "alexnet", "--variant", "bvlc", "-o", &p("seeded.onnx"), "--json"]));
    let from_file = json(zoo(&[
        "export",
        "alexnet",
        "--variant",
        "bvlc",
        "--weights",
        &p("w.safetensors"),
        "-o",
        &p("f.onnx"),
        "--json",
    ]));
    assert_eq!(seeded["weights_sha256"], from_file["weights_sha256"]);
    // The file's own SHA-256 is recorded in the model's metadata.
    let meta = json(zoo(&["inspect", &p("f.onnx"), "--json"]))["metadata"].clone();
    let file_sha = crate::support::sha256_file(&tmp.path().join("w.safetensors"));
    assert_eq!(meta["weights.file_sha256"], file_sha.as_str());
    // The same weights verify against the golden data.
    assert_eq!(json(zoo(&["verify", &p("f.onnx"), "--json"]))[0]["pass"], true);

    let mut bytes = std::fs::read(p("w.safetensors")).unwrap();
    let n = bytes.len();
    bytes[n - 1000] ^= 0x01;
    std::fs::write(p("bad.safetensors"), bytes).unwrap();
    fails_with(
        zoo(&["export", "alexnet", "--variant", "bvlc", "--weights", &p("bad.safetensors"), "-o", &p("bad.onnx")]),
        "checksum mismatch: the tensors of",
    );
    assert!(!tmp.path().join("bad.onnx").exists());
    // Weights of another variant: every missing tensor is named.
    fails_with(
        zoo(&["export", "alexnet", "--variant", "torchvision", "--weights", &p("w.safetensors"), "-o", &p("x.onnx")]),
        "lacks 16 tensor(s) the model needs: features.0.weight",
    );
}

#[test]
fn bench_reports_latency_throughput_and_peak_fraction() {
    let r = json(zoo(&[
        "bench",
        "alexnet",
        "--variant",
        "torchvision",
        "--runtime",
        "tract",
        "--batch",
        "1,2",
        "--iters",
        "2",
        "--warmup",
        "1",
        "--json",
    ]));
    let results = r["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for x in results {
        for k in ["median_ms", "p90_ms", "images_per_s", "gflops", "peak_fraction"] {
            assert!(x[k].as_f64().unwrap() > 0.0, "{k}: {x}");
        }
    }
    assert!((r["gmacs_per_image"].as_f64().unwrap() - 0.714).abs() < 1e-3);
    assert!(!r["cpu_features"].as_str().unwrap().is_empty());
}

/// Several runtimes in one run: each batch on each, the second's speed as a ratio of the
/// first's; OpenVINO at the precision asked for, or what the CPU plugin fell back to.
#[test]
fn bench_compares_runtimes_in_one_run() {
    let r = json(zoo(&[
        "bench",
        "alexnet",
        "--variant",
        "bvlc",
        "--runtime",
        "ort,openvino",
        "--ov-precision",
        "bf16",
        "--batch",
        "1",
        "--iters",
        "2",
        "--warmup",
        "1",
        "--threads",
        "1",
        "--json",
    ]));
    let results = r["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{r:#}");
    assert_eq!(results[0]["runtime"], "ort/cpu");
    assert_eq!(results[0]["speed_vs_first"], 1.0);
    assert!(results[1]["runtime"].as_str().unwrap().starts_with("openvino/cpu"), "{r:#}");
    let ratio = results[1]["speed_vs_first"].as_f64().unwrap();
    let want = results[0]["median_ms"].as_f64().unwrap() / results[1]["median_ms"].as_f64().unwrap();
    assert!((ratio - want).abs() < 1e-9, "{r:#}");
    fails_with(
        zoo(&["bench", "alexnet", "--runtime", "openvino", "--ov-precision", "int4"]),
        "expected f32, bf16 or f16",
    );
}

/// `--with-preprocess` puts the variant's normalisation in the graph: raw 0–255 pixels into
/// that file give what normalised pixels give the plain file.
#[test]
fn with_preprocess_takes_raw_pixels() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    ok(zoo(&["export", "alexnet", "--variant", "torchvision", "-o", &p("plain.onnx")]));
    ok(zoo(&["export", "alexnet", "--variant", "torchvision", "--with-preprocess", "-o", &p("raw.onnx")]));
    let (mean, std) = ([0.485f32, 0.456, 0.406], [0.229f32, 0.224, 0.225]);
    let plane = 224 * 224;
    let raw: Vec<f32> = (0..3 * plane).map(|i| ((i * 7919) % 256) as f32).collect();
    let norm: Vec<f32> = raw.iter().enumerate().map(|(i, x)| (x / 255.0 - mean[i / plane]) / std[i / plane]).collect();
    let shape = vec![1, 3, 224, 224];
    zoo_runtime::pb::write_tensor(Path::new(&p("raw.pb")), &zoo_runtime::Tensor::new("input", shape.clone(), raw))
        .unwrap();
    zoo_runtime::pb::write_tensor(Path::new(&p("norm.pb")), &zoo_runtime::Tensor::new("input", shape, norm)).unwrap();
    ok(zoo(&["run", &p("raw.onnx"), "--input", &p("raw.pb"), "-o", &p("a")]));
    ok(zoo(&["run", &p("plain.onnx"), "--input", &p("norm.pb"), "-o", &p("b")]));
    let a = zoo_runtime::pb::read_tensor(Path::new(&p("a/output_0.pb"))).unwrap();
    let b = zoo_runtime::pb::read_tensor(Path::new(&p("b/output_0.pb"))).unwrap();
    let m = zoo_runtime::compare::compare(&a, &b, zoo_runtime::compare::Tolerance { atol: 1e-4, rtol: 1e-4 }).unwrap();
    assert!(m.pass, "{m:?}");
    let meta = json(zoo(&["inspect", &p("raw.onnx"), "--json"]))["metadata"].clone();
    assert!(meta["preprocess.in_graph"].as_str().unwrap().starts_with("yes"), "{meta}");
}

/// `verify --layers --reference`: copies of a zoo file broken on purpose are reported with the
/// broken layer first; the unbroken file passes at every layer.
#[test]
fn layers_find_the_layer_that_was_broken() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.onnx");
    let g = good.to_str().unwrap();
    ok(zoo(&["export", "alexnet", "--variant", "lrn", "--batch", "1", "-o", g]));
    let layers = |file: &str| {
        let out = zoo(&["verify", file, "--layers", "--reference", g, "--runtime", "ort", "--json"]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
        (out.status.success(), report)
    };
    let (passed, r) = layers(g);
    assert!(passed && r["pass"] == true && r["first_failure"].is_null(), "{r}");
    assert!(r["rows"].as_array().is_some_and(|rows| rows.len() >= 20), "{r}");

    // conv2's weights shifted in the 4th decimal.
    let conv = dir.path().join("conv.onnx");
    let c = conv.to_str().unwrap();
    python_check("break_model.py", &[g, c, "--add-to", "conv2.weight", "0.0001"]);
    let (passed, r) = layers(c);
    assert!(!passed && r["first_failure"] == "conv2", "{r}");

    // Without --reference the file's metadata names alexnet/lrn with the manifest's weights: the
    // variant rebuilt is the reference, and the final output is held to the golden data, so
    // `--layers` never passes what plain `verify` fails.
    let implicit = |file: &str| json_of(zoo(&["verify", file, "--layers", "--runtime", "ort", "--json"]));
    let golden = |r: &serde_json::Value| {
        r["checks"].as_array().unwrap().iter().find(|c| c[0].as_str().unwrap().contains("golden")).unwrap()[1].clone()
    };
    // The good file passes, its golden check too: the failure below is the broken layer's.
    let (passed, r) = implicit(g);
    assert!(passed && r["scope"].as_str().unwrap().contains("rebuilt from zoo's code"), "{r}");
    assert_eq!(golden(&r), true, "{r}");
    let (passed, r) = implicit(c);
    assert!(r["rows"].as_array().unwrap().iter().any(|row| row["against"] == "reference/ort/cpu"), "{r}");
    assert!(!passed && r["first_failure"] == "conv2", "{r}");
    assert_eq!(golden(&r), false, "{r}");
    assert!(!zoo(&["verify", c, "--runtime", "ort"]).status.success());

    // The paper's α = 1e-4 written into ONNX untranslated (ONNX divides by n = 5).
    let lrn = dir.path().join("lrn.onnx");
    let l = lrn.to_str().unwrap();
    python_check("break_model.py", &[g, l, "--lrn-alpha", "norm1", "0.0001"]);
    let (passed, r) = layers(l);
    assert!(!passed && r["first_failure"] == "norm1", "{r}");
}

fn json_of(out: std::process::Output) -> (bool, serde_json::Value) {
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), stderr(&out)));
    (out.status.success(), report)
}

/// A file nobody records: `--layers` compares runtimes with each other and says that is all it did.
#[test]
fn layers_without_a_reference_say_what_they_compared() {
    let dir = tempfile::tempdir().unwrap();
    let made = python_check("open_world.py", &[dir.path().to_str().unwrap()]);
    let file = made["files"]["classifier"].as_str().unwrap();
    let (passed, r) = json_of(zoo(&["verify", file, "--layers", "--runtime", "ort,tract", "--json"]));
    assert!(passed, "{r}");
    assert!(r["scope"].as_str().unwrap().contains("between runtimes only"), "{r}");
    let text = crate::support::stdout(&zoo(&["verify", file, "--layers", "--runtime", "ort,tract"]));
    assert!(text.contains("compared between runtimes only: no reference (give --reference FILE)"), "{text}");
}

/// A file with a fixed batch is fed its own batch: 1 (golden data sliced) and 3 (the golden
/// pair plus one more item of the same input stream); a conflicting --batch is one clear line.
#[test]
fn fixed_batch_files_are_fed_their_own_batch() {
    let dir = tempfile::tempdir().unwrap();
    for (batch, note) in [("1", "golden data sliced to the first 1 of 2"), ("3", "fixed batch: the file fixes batch 3")]
    {
        let path = dir.path().join(format!("b{batch}.onnx"));
        let p = path.to_str().unwrap();
        ok(zoo(&["export", "alexnet", "--variant", "torchvision", "--batch", batch, "-o", p]));
        let out = ok(zoo(&["verify", p, "--runtime", "ort"]));
        assert!(out.contains(note) && out.contains("PASS"), "{out}");
    }
    let b1 = dir.path().join("b1.onnx");
    fails_with(zoo(&["verify", b1.to_str().unwrap(), "--batch", "3"]), "fixed batch of 1");
}

/// `--timeout`: a runtime past its bound is reported as timed out, the verification fails
/// without waiting for it, and the other runtimes still run.
#[test]
fn a_runtime_past_its_timeout_is_reported_not_waited_for() {
    // Every process started here carries this mark in its environment, which its runtime
    // workers inherit: none may be left once zoo has returned.
    let mark = format!("ZOO_TIMEOUT_TEST={}", std::process::id());
    let marked = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_zoo"))
            .args(args)
            .env("ZOO_TIMEOUT_TEST", std::process::id().to_string())
            .output()
            .unwrap()
    };
    let t = Instant::now();
    let o = marked(&["verify", "resnet50", "--runtime", "tract", "--timeout", "0.05", "--json"]);
    assert!(!o.status.success());
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let text = r.to_string();
    assert!(text.contains("timed out after 0.05 s (--timeout"), "{text}");
    assert!(t.elapsed() < Duration::from_secs(30), "waited {:?}", t.elapsed());
    // `run` and `bench` too: a one-line error, not a wait.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r50.onnx");
    ok(zoo(&["export", "resnet50", "-o", file.to_str().unwrap()]));
    let photo = root().join("crates/zoo-runtime/tests/fuzz/image-elongated-timeout.jpg");
    let (f, ph) = (file.to_str().unwrap(), photo.to_str().unwrap());
    for args in [
        &["run", f, "--runtime", "tract", "--timeout", "0.05", "--image", ph][..],
        &["bench", f, "--runtime", "tract", "--timeout", "0.05", "--batch", "1", "--iters", "1"][..],
    ] {
        let t = Instant::now();
        fails_with(marked(args), "tract timed out after 0.05 s (--timeout); its worker was stopped");
        assert!(t.elapsed() < Duration::from_secs(30), "{args:?} waited {:?}", t.elapsed());
    }
    // The timed-out workers were killed, not abandoned (each would hold a core for minutes).
    let marked_pids = || -> Vec<String> {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| {
                let pid = e.ok()?.file_name().into_string().ok()?;
                let env = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
                env.split(|&b| b == 0).any(|v| v == mark.as_bytes()).then_some(pid)
            })
            .collect()
    };
    // A killed process leaves /proc when it is reaped, which need not have happened the moment
    // zoo returns: wait for the scan to come back empty, bounded.
    let left = wait_until(Duration::from_secs(10), marked_pids, |p| p.is_empty());
    assert!(left.is_empty(), "runtime workers outlived zoo by 10 s: pids {left:?}");
    // The scan does find a live marked process (so the check above can fail). `spawn` can
    // return before the child has exec'd (its environment is the parent's until then), so
    // wait, bounded, for the mark to appear.
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .env("ZOO_TIMEOUT_TEST", std::process::id().to_string())
        .spawn()
        .unwrap();
    let want = [sleeper.id().to_string()];
    let found = wait_until(Duration::from_secs(10), marked_pids, |p| p[..] == want[..]);
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    assert_eq!(found, want, "the scan did not find the marked `sleep` within 10 s");
    // The others are not held back by a slow one.
    let r = json(zoo(&[
        "verify",
        "alexnet",
        "--variant",
        "bvlc",
        "--runtime",
        "ort,openvino",
        "--timeout",
        "120",
        "--json",
    ]));
    assert_eq!(r[0]["pass"], true, "{r}");
    crate::support::fails_with(zoo(&["verify", "alexnet", "--timeout=-1"]), "positive number of seconds");
}
