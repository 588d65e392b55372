//! Runtime overhead benchmark, all on the same file and input in one run:
//! - zoo's ort runner against ONNX Runtime's own Python API (`benches/ort_python.py`): the
//!   overhead ratio python/zoo should be ≥ 0.98 (zoo adds no more than 2 % to a run);
//! - tract against ort;
//! - OpenVINO (CPU plugin, f32, and bf16 where the plugin reports it uses bf16) against ort.
//!
//! Blocks alternate (zoo, python, tract, openvino, zoo, …) so that drift on a shared machine hits every
//! side alike, each block after 5 warm-up runs (fewer left ONNX Runtime's thread pool cold and
//! cost zoo's side up to 10 %); the figure is the ratio of the medians over all blocks.
//!
//! `cargo bench --bench runtimes -- [--variant V] [--batch B] [--threads N] [--iters K] [--blocks M]`
//! needs the test virtualenv (`scripts/test` makes it) or `ZOO_PYTHON`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use zoo_graph::Seeded;
use zoo_runtime::onnxruntime::{OrtOptions, OrtRunner, Provider};
use zoo_runtime::openvino::{OvOptions, OvRunner, Precision};
use zoo_runtime::tract::TractRunner;
use zoo_runtime::{Runner, Tensor};

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.into())
}

fn times(runner: &mut dyn Runner, input: &Tensor, warmup: usize, iters: usize) -> Vec<f64> {
    let inputs = std::slice::from_ref(input);
    for _ in 0..warmup {
        runner.run(inputs).expect("run");
    }
    (0..iters)
        .map(|_| {
            let t = Instant::now();
            runner.run(inputs).expect("run");
            t.elapsed().as_secs_f64()
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let variant = arg(&args, "--variant", "torchvision");
    let batch: usize = arg(&args, "--batch", "1").parse().expect("--batch");
    let threads: usize = arg(&args, "--threads", "2").parse().expect("--threads");
    let iters: usize = arg(&args, "--iters", "10").parse().expect("--iters");
    let blocks: usize = arg(&args, "--blocks", "3").parse().expect("--blocks");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var_os("ZOO_PYTHON").map_or_else(|| root.join(".venv/bin/python"), PathBuf::from);

    let dir = tempfile::tempdir().expect("tempdir");
    let model_path = dir.path().join("model.onnx");
    let model = zoo_models::build("alexnet", Some(&variant), &zoo_models::Options::default()).expect("model");
    zoo_graph::write::write_file(&model, &Seeded { seed: 0 }, &model_path, &Default::default()).expect("export");
    let (_, v) = zoo_models::find("alexnet", Some(&variant)).expect("variant");
    let input = zoo_artifacts::golden::input(v, "input", batch);
    let input_pb = dir.path().join("input_0.pb");
    zoo_runtime::pb::write_tensor(&input_pb, &input).expect("input");

    let options = OrtOptions {
        library: None,
        providers: vec![Provider::Cpu],
        strict: true,
        threads: Some(threads),
        trt_fp16: false,
        trt_int8: false,
        trt_engine_cache: None,
        profile: false,
        optimize: true,
        save_optimized: None,
    };
    let (mut ort, _) = OrtRunner::new(&model_path, &options).expect("ort");
    let shapes = [("input".to_string(), input.shape.clone())];
    let mut tract = TractRunner::new(&model_path, &shapes).expect("tract");
    let ov = |precision| {
        OvRunner::new(&model_path, &shapes, &OvOptions { library: None, precision, threads: Some(threads) })
            .expect("openvino (run scripts/test to install it into .venv, or set OPENVINO_LIB_PATH)")
    };
    let mut ov32 = ov(Precision::F32);
    // The plugin falls back to f32 where the CPU has no bf16: then there is nothing to time.
    let mut ov16 = Some(ov(Precision::Bf16)).filter(|r| r.precision() == "bf16");

    let (mut zoo_t, mut py_t, mut tract_t, mut ov32_t, mut ov16_t) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..blocks {
        zoo_t.extend(times(&mut ort, &input, 5, iters));
        let out = Command::new(&python)
            .arg(root.join("benches/ort_python.py"))
            .arg(&model_path)
            .arg(&input_pb)
            .args(["--threads", &threads.to_string(), "--iters", &iters.to_string(), "--warmup", "5"])
            .output()
            .expect("python peer (run scripts/test to make .venv, or set ZOO_PYTHON)");
        assert!(out.status.success(), "python peer failed: {}", String::from_utf8_lossy(&out.stderr));
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("peer JSON");
        py_t.extend(j["times_s"].as_array().expect("times").iter().filter_map(serde_json::Value::as_f64));
        tract_t.extend(times(&mut tract, &input, 1, iters));
        ov32_t.extend(times(&mut ov32, &input, 5, iters));
        if let Some(r) = ov16.as_mut() {
            ov16_t.extend(times(r, &input, 5, iters));
        }
    }
    let (z, p, t, o) = (median(zoo_t), median(py_t), median(tract_t), median(ov32_t));
    println!(
        "alexnet/{variant}, batch {batch}, {threads} threads, {} runs each in {blocks} alternating blocks",
        iters * blocks
    );
    println!("  cpu: {}", zoo_runtime::cpu_features());
    println!("  zoo ort runner      median {:8.2} ms", z * 1e3);
    println!("  onnxruntime Python  median {:8.2} ms", p * 1e3);
    println!("  tract               median {:8.2} ms", t * 1e3);
    println!("  overhead ratio python/zoo   {:6.3}  (target ≥ 0.98)", p / z);
    println!("  openvino f32        median {:8.2} ms", o * 1e3);
    println!("  tract / ort time            {:6.2}", t / z);
    println!("  openvino f32 / ort time     {:6.2}", o / z);
    if ov16_t.is_empty() {
        println!("  openvino bf16: the CPU plugin reports f32 on this CPU (no bf16 to time)");
    } else {
        let b = median(ov16_t);
        println!("  openvino bf16       median {:8.2} ms", b * 1e3);
        println!("  openvino bf16 / ort time    {:6.2}", b / z);
    }
}
