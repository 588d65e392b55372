//! int8 benchmark (issue 8 §3), every figure a ratio against a peer measured in the same run,
//! blocks alternating so that drift on a shared machine hits every side alike:
//! - throughput at batch 8 on ONNX Runtime's CPU provider (2 threads by default) of zoo's int8
//!   file against the fp32 file it was made from, and against ONNX Runtime's own quantizer's
//!   file (`quant_pre_process` + `quantize_static`, QDQ, per channel) from the same fp32 file
//!   and calibration inputs;
//! - calibration + quantization wall time (`zoo compile --precision int8`) against that Python
//!   route, on the same 16 inputs;
//! - file size against the fp32 file.
//!
//! Median of five blocks per file, the block order rotated.
//!
//! `cargo bench --bench int8 -- [--models resnet50,vgg16] [--scheme u8s8] [--iters 10]
//! [--threads 2] [--calibrate 16]` needs ONNX Runtime's library and the test virtualenv
//! (`scripts/test` makes both; ZOO_PYTHON overrides the interpreter).

// A benchmark fails loudly on any error; unwrap is its assertion.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use zoo_runtime::onnxruntime::{OrtOptions, OrtRunner};
use zoo_runtime::{Runner, Tensor};

const ZOO: &str = env!("CARGO_BIN_EXE_zoo");

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.into())
}

fn python() -> PathBuf {
    std::env::var_os("ZOO_PYTHON")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"), PathBuf::from)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("spawn");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `n` inputs of `shape` as input_<i>.pb (zoo's seeded items, zero mean, unit variance).
fn calibration(dir: &Path, n: usize, shape: [usize; 3]) {
    std::fs::create_dir_all(dir).unwrap();
    for (i, t) in zoo_artifacts::golden::seeded_items("bench.int8.calibration", "input", &shape, n).iter().enumerate() {
        zoo_runtime::pb::write_tensor(&dir.join(format!("input_{i}.pb")), t).unwrap();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let models = arg(&args, "--models", "alexnet/torchvision,vgg16/plain,resnet50/v1.5,googlenet/torchvision");
    let scheme = arg(&args, "--scheme", "auto");
    let iters: usize = arg(&args, "--iters", "10").parse().unwrap();
    let threads: usize = arg(&args, "--threads", "2").parse().unwrap();
    let n_cal: usize = arg(&args, "--calibrate", "16").parse().unwrap();
    let batch = 8;
    println!(
        "int8 benchmark: batch {batch}, {threads} threads, {iters} timed runs per block, CPU features: {}",
        zoo_runtime::cpu_features()
    );
    println!(
        "{:<22} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>8}",
        "model", "fp32/s", "zoo/s", "peer/s", "zoo/fp32", "peer/fp32", "zoo/peer", "cal zoo", "cal peer"
    );
    for spec in models.split(',') {
        let (model, variant) = spec.split_once('/').unwrap_or((spec, ""));
        let dir = tempfile::tempdir().unwrap();
        let p = |f: &str| dir.path().join(f);
        let mut export = Command::new(ZOO);
        export.args(["export", model, "--optimize", "-o"]).arg(p("fp32.onnx"));
        if !variant.is_empty() {
            export.args(["--variant", variant]);
        }
        run(&mut export);
        let shape = if model == "alexnet" && variant != "torchvision" { [3, 227, 227] } else { [3, 224, 224] };
        calibration(&p("cal"), n_cal, shape);

        let t = Instant::now();
        let report = run(Command::new(ZOO)
            .args(["compile"])
            .arg(p("fp32.onnx"))
            .arg("-o")
            .arg(p("int8.onnx"))
            .args(["--precision", "int8", "--int8", &scheme, "--calibration"])
            .arg(p("cal")));
        let zoo_wall = t.elapsed().as_secs_f64();
        let chosen = if report.contains("scheme s8s8") { "s8s8" } else { "u8s8" };
        let peer_json = run(Command::new(python())
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer_quantize.py"))
            .arg(p("fp32.onnx"))
            .arg(p("peer.onnx"))
            .arg(p("cal"))
            .arg(chosen));
        let peer_wall: f64 =
            serde_json::from_str::<serde_json::Value>(&peer_json).unwrap()["seconds"].as_f64().unwrap();

        let opts = OrtOptions { strict: true, profile: false, threads: Some(threads), ..OrtOptions::default() };
        let files = ["fp32.onnx", "int8.onnx", "peer.onnx"];
        let mut runners: Vec<OrtRunner> =
            files.iter().map(|f| OrtRunner::new(&p(f), &opts).expect("session").0).collect();
        let per: usize = shape.iter().product();
        let input = Tensor::new("input", vec![batch, shape[0], shape[1], shape[2]], vec![0.5; batch * per]);
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); files.len()];
        for r in runners.iter_mut() {
            r.run(std::slice::from_ref(&input)).expect("warm-up");
        }
        // Five blocks per file, the order rotated each block so that no file always runs
        // first (or right after the slow fp32 one).
        for block in 0..5 {
            for j in 0..files.len() {
                let k = (j + block) % files.len();
                let r = &mut runners[k];
                // Let the thread pool of the session that ran before stop spinning: on two
                // cores it would otherwise take CPU from this one.
                std::thread::sleep(std::time::Duration::from_millis(300));
                let t = Instant::now();
                for _ in 0..iters {
                    r.run(std::slice::from_ref(&input)).expect("run");
                }
                rates[k].push((batch * iters) as f64 / t.elapsed().as_secs_f64());
            }
        }
        let [f, z, q] = [0, 1, 2].map(|k| median(rates[k].clone()));
        let size = |f: &str| std::fs::metadata(p(f)).unwrap().len() as f64;
        println!(
            "{:<22} {:>8.1} {:>8.1} {:>8.1} {:>8.2}× {:>8.2}× {:>8.2}× {:>7.1}s {:>7.1}s   {chosen}, size {:.3}× fp32",
            spec,
            f,
            z,
            q,
            z / f,
            q / f,
            z / q,
            zoo_wall,
            peer_wall,
            size("int8.onnx") / size("fp32.onnx"),
        );
    }
}
