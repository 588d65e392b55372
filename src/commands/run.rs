//! `zoo run FILE --input input_0.pb -o DIR`: one run on one runtime, outputs written as
//! TensorProto files (`output_0.pb` …) — the ONNX Model Zoo's test-data format, readable by
//! `onnx.numpy_helper` — so any other tool can compare against zoo's runners.
//!
//! `zoo run FILE --image PHOTO…`: each image prepared as the file's recorded preprocessing says
//! (see [`zoo_pipeline::images`]), run on its own, and its top classes printed — with ImageNet-1k
//! names for 1000-class heads. With `-o DIR` each image's input and output tensors are kept as
//! `test_data_set_<k>/`, so other tools can check the preprocessing and the result.

use std::path::Path;

use anyhow::{Context, bail};
use serde_json::json;
use zoo_runtime::openvino::Precision;
use zoo_runtime::{RunOutput, Runner, Tensor, pb};

use zoo_pipeline::{images, memory};

use crate::cli::RunArgs;

/// The runtime, in its worker process, after the memory check.
fn runner(args: &RunArgs, proto: &zoo_proto::ModelProto, inputs: &[Tensor]) -> anyhow::Result<Box<dyn Runner + Send>> {
    let analysis = zoo_graph::analysis::analyze(proto);
    let batch = inputs.iter().map(Tensor::batch).max().unwrap_or(1);
    let label = args.model.display().to_string();
    memory::check(&label, &memory::Cost::of(proto, &analysis), batch, args.max_memory)?;
    let runtimes = args.ort.runtimes(&[args.runtime], &args.ov, Precision::F32, Some(args.timeout));
    let shapes: Vec<(String, Vec<usize>)> = inputs.iter().map(|t| (t.name.clone(), t.shape.clone())).collect();
    let started = runtimes.start(args.runtime, &args.model, &shapes, super::is_qdq(proto), true)?;
    for s in started.skipped {
        eprintln!("zoo: warning: skipped {}: {}", s.provider, s.reason);
    }
    Ok(started.runner)
}

fn write_outputs(dir: &Path, out: &RunOutput) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    for (i, t) in out.outputs.iter().enumerate() {
        let path = dir.join(format!("output_{i}.pb"));
        pb::write_tensor(&path, t)?;
        outln!("{}  {} {:?}  ({})", path.display(), t.name, t.shape, out.providers.join("+"))?;
    }
    Ok(())
}

pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    if !args.images.is_empty() {
        return run_images(args);
    }
    // zoo's own checks (graph size, external data confined to the folder) before any runtime
    // sees the file, as verify does.
    let proto = super::read_onnx(&args.model)?;
    let mut inputs = args.inputs.iter().map(|p| pb::read_tensor(p)).collect::<Result<Vec<_>, _>>()?;
    zoo_pipeline::onnx::name_by_position(&proto, &mut inputs)?;
    let mut runner = runner(args, &proto, &inputs)?;
    let out = runner.run(&inputs)?;
    let dir = args.output_dir.as_deref().context("give -o DIR for the outputs")?;
    write_outputs(dir, &out)
}

fn run_images(args: &RunArgs) -> anyhow::Result<()> {
    let proto = super::read_onnx(&args.model)?;
    let meta =
        |k: &str| proto.metadata_props.iter().find(|e| e.key.as_deref() == Some(k)).and_then(|e| e.value.clone());
    let prep = images::preprocess(&meta, &args.model.display().to_string())?;
    let graph = proto.graph.as_ref().context("the model has no graph")?;
    let [input] =
        graph.input.iter().filter(|i| !graph.initializer.iter().any(|t| t.name == i.name)).collect::<Vec<_>>()[..]
    else {
        bail!("--image needs a model with exactly one input");
    };
    let name = input.name.clone().unwrap_or_default();
    let batch = zoo_graph::proto_util::tensor_info(input).and_then(|t| t.shape.first().and_then(|d| d.known()));
    if let Some(b) = batch.filter(|&b| b != 1) {
        bail!(
            "{} takes a fixed batch of {b}; --image feeds one image per run (export with --batch 1 or dynamic)",
            args.model.display()
        );
    }
    let items = images::load_all(&args.images, &prep, &name)?;
    let mut runner = runner(args, &proto, &items[..1])?;
    let mut results = Vec::new();
    for (k, (path, x)) in args.images.iter().zip(&items).enumerate() {
        let out = runner.run(std::slice::from_ref(x)).with_context(|| format!("running {}", path.display()))?;
        let y = out.outputs.first().context("the model has no output")?;
        if y.ints.is_some() {
            bail!(
                "the first output `{}` is {}, not class scores: --image ranks float scores; run the file with \
                 `zoo run FILE --input input_0.pb -o DIR` to read its outputs",
                y.name,
                y.type_name()
            );
        }
        let classes = y.per_item();
        let mut order: Vec<usize> = (0..classes).collect();
        order.sort_by(|&a, &b| y.data[b].total_cmp(&y.data[a]).then(a.cmp(&b)));
        let top: Vec<(usize, f32, Option<&str>)> = order
            .iter()
            .take(args.top)
            .map(|&c| (c, y.data[c], (classes == 1000).then(|| images::imagenet_label(c)).flatten()))
            .collect();
        if let Some(dir) = &args.output_dir {
            let set = dir.join(format!("test_data_set_{k}"));
            std::fs::create_dir_all(&set).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", set.display()))?;
            pb::write_tensor(&set.join("input_0.pb"), x)?;
            for (i, t) in out.outputs.iter().enumerate() {
                pb::write_tensor(&set.join(format!("output_{i}.pb")), t)?;
            }
        }
        results.push((path, top));
    }
    if args.json {
        let v: Vec<_> = results
            .iter()
            .map(|(p, top)| {
                json!({"image": p, "top": top.iter().map(|(c, s, l)| json!({"class": c, "score": s, "label": l})).collect::<Vec<_>>()})
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    for (p, top) in &results {
        outln!("{}", p.display())?;
        for (c, s, l) in top {
            outln!("  {c:>5}  {s:>10.4}  {}", l.unwrap_or(""))?;
        }
    }
    Ok(())
}
