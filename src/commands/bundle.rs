//! `zoo bundle triton MODEL|FILE.onnx -o REPO`: a Triton model repository entry — the
//! configuration planned from the file's own inputs and outputs (`zoo_ship::triton`), the file
//! (and its external data) as a new version when it changed (`zoo_ship::repository`), and the
//! class names of a classification head as `labels.txt`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::json;
use zoo_graph::Seeded;
use zoo_graph::ir::external;
use zoo_ship::repository::{self, ModelFiles, Outcome};
use zoo_ship::signature::{Dim, Signature};
use zoo_ship::triton::{Kind, Options, TrtPrecision};

use crate::cli::{TritonArgs, TritonKind, TrtPrecisionArg};

pub fn triton(args: &TritonArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (path, default_name) = if super::is_file_target(&args.target) {
        let p = PathBuf::from(&args.target);
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        (p, stem)
    } else {
        export(args, dir.path())?
    };
    let name = args.name.clone().unwrap_or(default_name);
    let proto = super::read_onnx(&path)?;
    let label = path.display().to_string();
    let sig = zoo_ship::signature::signature(&proto, &label)?;
    let labels = labels(args, &sig, &label)?;
    let opts = Options {
        labels: labels.as_ref().map(|(output, _)| output.clone()),
        max_batch_size: args.max_batch_size,
        instances: args.instances,
        kind: match args.kind {
            TritonKind::Gpu => Kind::Gpu,
            TritonKind::Cpu => Kind::Cpu,
        },
        tensorrt: args.tensorrt.then_some(match args.trt_precision {
            TrtPrecisionArg::Fp16 => TrtPrecision::Fp16,
            TrtPrecisionArg::Int8 => TrtPrecision::Int8,
            TrtPrecisionArg::Fp32 => TrtPrecision::Fp32,
        }),
    };
    let config = zoo_ship::triton::config(&name, &label, &sig, &opts)?;
    // The external-data files the model names travel with it, under those names.
    let folder = zoo_pipeline::onnx::folder(&path);
    let mut data: Vec<(PathBuf, String)> = Vec::new();
    for t in proto.graph.iter().flat_map(|g| &g.initializer).filter(|t| external::is_external(t)) {
        let location = t
            .external_data
            .iter()
            .find(|e| e.key.as_deref() == Some("location"))
            .and_then(|e| e.value.clone())
            .unwrap_or_default();
        if !data.iter().any(|(_, l)| *l == location) {
            data.push((folder.join(&location), location));
        }
    }
    let text = labels.as_ref().map(|(_, t)| t.as_str());
    let outcome = repository::add(&args.output, &name, &config, text, &ModelFiles { model: path.clone(), data })?;
    let (what, version) = match &outcome {
        Outcome::Created { version } => ("created", version),
        Outcome::Added { version } => ("added", version),
        Outcome::Unchanged { version } => ("unchanged", version),
    };
    let model_dir = args.output.join(&name);
    if args.json {
        outln!(
            "{}",
            json!({
                "repository": args.output, "name": name, "version": version, "outcome": what,
                "config": model_dir.join("config.pbtxt"),
                "model": model_dir.join(version.to_string()).join("model.onnx"),
                "max_batch_size": config_max_batch(&config),
                "labels": labels.as_ref().map(|(output, t)| json!({
                    "output": output, "classes": t.lines().count(), "file": model_dir.join(zoo_ship::triton::LABELS),
                })),
            })
        )?;
    } else {
        outln!("{}", model_dir.display())?;
        outln!("  version  {version} ({what})")?;
        outln!("  config   {}", model_dir.join("config.pbtxt").display())?;
    }
    Ok(())
}

/// Exports the model the build options describe into `dir`; returns the file and its default
/// bundle name.
fn export(args: &TritonArgs, dir: &Path) -> anyhow::Result<(PathBuf, String)> {
    let (family, variant) = zoo_models::find(&args.target, args.build.variant.as_deref())?;
    let options = args.build.options(args.batch.value);
    let model = zoo_models::build(family.name, Some(variant.name), &options)?;
    let seeded = Seeded { seed: 0 };
    let path = dir.join("model.onnx");
    let passes = args.passes.options();
    let names = zoo_pipeline::names::names(&passes);
    let mut name = format!("{}-{}", family.name, variant.name);
    if names.key.is_empty() {
        zoo_graph::write::write_file(&model, &seeded, &path, &Default::default())?;
    } else {
        let reference = format!("{}/{}", family.name, variant.name);
        let weights = zoo_graph::write::weights_sha256(&model, &seeded)?;
        let (graph, _) = zoo_pipeline::compile::compile_export(&model, &seeded, &passes, &reference, weights)?;
        zoo_graph::write::write_file(&graph, &seeded, &path, &Default::default())?;
        name.push_str(&names.bundle_suffix);
    }
    Ok((path.canonicalize().context("exported file")?, name))
}

fn config_max_batch(config: &str) -> Option<u32> {
    config.lines().find_map(|l| l.strip_prefix("max_batch_size: ")).and_then(|v| v.trim().parse().ok())
}

/// The output that gets class names, and the labels file's text: `--labels FILE` for the one
/// output whose last dimension has as many classes as the file has lines; by default
/// ImageNet-1k's names for the one output with 1000 classes; none with `--no-labels`.
fn labels(args: &TritonArgs, sig: &Signature, file: &str) -> anyhow::Result<Option<(String, String)>> {
    if args.no_labels {
        return Ok(None);
    }
    let (text, from) = match &args.labels {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("cannot read labels file {}", p.display()))?;
            (text, p.display().to_string())
        }
        None => (zoo_pipeline::images::IMAGENET.to_string(), String::new()),
    };
    let names: Vec<&str> = text.lines().collect();
    if let Some(blank) = names.iter().position(|l| l.trim().is_empty()) {
        anyhow::bail!("labels file {from}: line {} is empty; give one class name per line", blank + 1);
    }
    let heads: Vec<&str> = sig
        .outputs
        .iter()
        .filter(|t| t.dims.len() >= 2 && t.dims.last() == Some(&Dim::Fixed(names.len() as i64)))
        .map(|t| t.name.as_str())
        .collect();
    match (heads.as_slice(), &args.labels) {
        ([one], _) => Ok(Some(((*one).to_string(), names.join("\n") + "\n"))),
        // Not an ImageNet head: no default labels.
        (_, None) => Ok(None),
        ([], Some(_)) => anyhow::bail!(
            "labels file {from} has {} names, but no output of {file} has {} classes (its outputs: {})",
            names.len(),
            names.len(),
            sig.outputs.iter().map(|t| format!("{} {:?}", t.name, t.dims)).collect::<Vec<_>>().join(", ")
        ),
        (many, Some(_)) => anyhow::bail!(
            "labels file {from} fits several outputs of {file} ({}); bundle a file with one classification output",
            many.join(", ")
        ),
    }
}
