//! `zoo bench`: latency and throughput of one model on one or more runtimes — warm-up, then
//! median and p90 latency, images per second, GFLOP/s (2 FLOPs per multiply-accumulate) and the
//! fraction of the machine's fp32 peak. With several runtimes, each batch runs them one after
//! another and a column gives each one's speed against the first's (its median over theirs):
//! the comparable figure across machines, with the CPU's vector features in the header.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::json;
use zoo_graph::analysis::analyze;
use zoo_graph::{Batch, Seeded};
use zoo_proto::ModelProto;
use zoo_runtime::{Runner, Tensor};

use zoo_pipeline::RuntimeName;
use zoo_pipeline::memory;

use crate::cli::BenchArgs;
use crate::format::table;

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let target = Path::new(&args.target);
    // A zoo model is analysed from the graph just built (its weights are not read back); a file
    // has to be decoded.
    let (label, path, variant, proto): (String, PathBuf, Option<&'static zoo_models::Variant>, ModelProto) =
        if super::is_file_target(&args.target) {
            let proto = super::read_onnx(target)?;
            (args.target.clone(), target.to_path_buf(), None, proto)
        } else {
            let (f, v) = zoo_models::find(&args.target, args.build.variant.as_deref())?;
            let model = zoo_models::build(f.name, Some(v.name), &args.build.options(Batch::Dynamic))?;
            let path = dir.path().join("model.onnx");
            zoo_graph::write::write_file(&model, &Seeded { seed: 0 }, &path, &Default::default())?;
            (format!("{}/{}", f.name, v.name), path, Some(v), model.proto)
        };
    let a = analyze(&proto);
    let (input_name, info) = a.inputs.first().cloned().context("model without input")?;
    let info = info.context("input without a tensor type")?;
    // A file that fixes its batch is benchmarked at that batch only (see fixed_batch.rs).
    let fixed = info.shape.first().and_then(|d| d.known());
    let batches = match fixed {
        Some(b) if args.batch != [b] => {
            eprintln!("zoo: warning: the file's input has a fixed batch of {b}: benchmarking batch {b} only");
            vec![b]
        }
        _ => args.batch.clone(),
    };
    let dims: Vec<usize> = info
        .shape
        .iter()
        .skip(1)
        .map(|d| d.known())
        .collect::<Option<_>>()
        .context("input has symbolic dimensions past the batch")?;
    let macs = a.totals.macs as f64;
    // Before any input is made or runtime loaded (see memory.rs).
    if let Some(&largest) = batches.iter().max() {
        memory::check(&label, &memory::Cost::of(&proto, &a), largest, args.max_memory)?;
    }

    let runtimes = args.ort.runtimes(&args.runtime, &args.ov, args.ov_precision, Some(args.timeout));
    let qdq = super::is_qdq(&proto);
    // ONNX Runtime takes any batch: started once, not profiled (the timings are the point).
    let mut ort = if args.runtime.contains(&RuntimeName::Ort) {
        let started = runtimes.start(RuntimeName::Ort, &path, &[], qdq, false)?;
        for s in started.skipped {
            eprintln!("zoo: warning: skipped {}: {}", s.provider, s.reason);
        }
        Some(started.runner)
    } else {
        None
    };
    let mut rows = Vec::new();
    let mut results = Vec::new();
    for &batch in &batches {
        let input = match variant {
            Some(v) => zoo_artifacts::golden::input(v, &input_name, batch),
            None => {
                let n = batch * dims.iter().product::<usize>();
                let mut shape = vec![batch];
                shape.extend(&dims);
                Tensor::new(input_name.clone(), shape, vec![0.5; n])
            }
        };
        let shapes = [(input_name.clone(), input.shape.clone())];
        let mut first: Option<f64> = None;
        for &name in &args.runtime {
            // tract and OpenVINO compile for the batch they run (static shapes).
            let mut own: Box<dyn Runner + Send>;
            let runner: &mut dyn Runner = match name {
                RuntimeName::Ort => ort.as_mut().context("ort runner")?.as_mut(),
                _ => {
                    own = runtimes.start(name, &path, &shapes, qdq, false)?.runner;
                    own.as_mut()
                }
            };
            let (median, p90) = time(runner, &input, args.warmup, args.iters)?;
            let speedup = first.map(|f| f / median);
            first.get_or_insert(median);
            let gflops = 2.0 * macs * batch as f64 / median / 1e9;
            rows.push(vec![
                runner.label(),
                batch.to_string(),
                format!("{:.2}", median * 1e3),
                format!("{:.2}", p90 * 1e3),
                format!("{:.1}", batch as f64 / median),
                format!("{gflops:.1}"),
                format!("{:.0}%", 100.0 * gflops / args.peak_gflops),
                speedup.map_or_else(|| "1.00×".to_string(), |x| format!("{x:.2}×")),
            ]);
            results.push(json!({
                "runtime": runner.label(), "batch": batch, "median_ms": median * 1e3, "p90_ms": p90 * 1e3,
                "images_per_s": batch as f64 / median, "gflops": gflops, "peak_fraction": gflops / args.peak_gflops,
                "speed_vs_first": speedup.unwrap_or(1.0), "iters": args.iters, "warmup": args.warmup,
            }));
        }
    }
    let cpu = zoo_runtime::cpu_features();
    if args.json {
        outln!(
            "{}",
            json!({
                "target": label, "gmacs_per_image": macs / 1e9, "peak_gflops": args.peak_gflops,
                "cpu_features": cpu, "results": results,
            })
        )?;
    } else {
        outln!("{label}: {:.3} GMACs per image, {} timed runs after {} warm-up", macs / 1e9, args.iters, args.warmup)?;
        outln!("cpu: {cpu}")?;
        out!(
            "{}",
            table(
                &["runtime", "batch", "median ms", "p90 ms", "images/s", "GFLOP/s", "of peak", "speed vs first"],
                &rows,
                &[1, 2, 3, 4, 5, 6, 7]
            )
        )?;
        outln!("peak: {} GFLOP/s fp32 (--peak-gflops)", args.peak_gflops)?;
    }
    Ok(())
}

/// Median and p90 seconds of `iters` runs after `warmup` untimed ones, timed inside the
/// runtime's worker (no transfer counted).
fn time(runner: &mut dyn Runner, input: &Tensor, warmup: usize, iters: usize) -> anyhow::Result<(f64, f64)> {
    let mut times = runner.time(std::slice::from_ref(input), warmup, iters)?;
    anyhow::ensure!(times.len() == iters, "the runtime returned {} timings for {iters} runs", times.len());
    times.sort_by(f64::total_cmp);
    let p90 = times[((times.len() as f64 * 0.9).ceil() as usize).saturating_sub(1).min(times.len() - 1)];
    Ok((times[times.len() / 2], p90))
}
