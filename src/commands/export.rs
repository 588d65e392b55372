//! `zoo export MODEL`: build the graph, stream the weights (seeded, or from `--weights`) into
//! the file, check the result against the variant's manifest before it is put in place, report.

use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;
use zoo_artifacts::ZooDir;
use zoo_graph::write::{Written, write_file_checked};
use zoo_graph::{Batch, Seeded, WeightSource};

use crate::cli::ExportArgs;
use crate::format::bytes;

pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let (family, variant) = zoo_models::find(&args.model, args.build.variant.as_deref())?;
    let options = args.build.options(args.batch.value);
    let model = zoo_models::build(family.name, Some(variant.name), &options)?;
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}-{}-opset{}.onnx", family.name, variant.name, options.opset)));

    let zoo = ZooDir::locate(args.zoo.zoo_dir.as_deref());
    let manifest = match zoo.load(family.name, variant.name) {
        Ok(m) => Some(m),
        Err(zoo_artifacts::ArtifactError::NoManifest { .. }) => {
            eprintln!(
                "zoo: note: no manifest for {}/{} in {}: export not checked",
                family.name,
                variant.name,
                zoo.describe()
            );
            None
        }
        Err(e) => return Err(e.into()),
    };
    let manifest_path = zoo.manifest_path(family.name, variant.name);

    let seeded = Seeded { seed: args.seed };
    let bound;
    let (source, claimed): (&dyn WeightSource, Option<String>) = match &args.weights {
        None => (&seeded, None),
        Some(file) => {
            bound = zoo_weights::open_weights(file)?.bind_skipping(&model.params, variant.ignore_weights)?;
            let claimed = bound.claimed_sha256().map(str::to_string);
            (&bound, claimed)
        }
    };
    // What the manifest pins: the weights for its seed and 1000 classes; the whole file for
    // the default export (opset, dynamic batch, default head).
    let seeded_default = args.weights.is_none() && options.num_classes == 1000;
    let default_graph = options.batch == Batch::Dynamic
        && options.softmax.is_none_or(|s| s == variant.softmax)
        && !options.with_preprocess;
    let accept = |w: &Written| -> Result<(), String> {
        if let (Some(claimed), Some(file)) = (&claimed, &args.weights)
            && *claimed != w.weights_sha256
        {
            return Err(format!(
                "checksum mismatch: the tensors of {} hash to {}, the file records {claimed} ({}): the weights file is corrupted",
                file.display(),
                w.weights_sha256,
                zoo_weights::CLAIMED_SHA256_KEY
            ));
        }
        let Some(m) = &manifest else { return Ok(()) };
        let mismatch = |what: &str, actual: &str, expected: &str| {
            format!(
                "checksum mismatch: {what} of {}/{} is {actual}, {manifest_path} records {expected}; \
                 nothing was written (if the change is deliberate, run `zoo manifests --write`)",
                family.name, variant.name
            )
        };
        if seeded_default && args.seed == m.weights.seed && w.weights_sha256 != m.weights.sha256 {
            return Err(mismatch("the weights' SHA-256", &w.weights_sha256, &m.weights.sha256));
        }
        let default_file = default_graph && options.opset.version() == m.export.opset;
        if seeded_default && args.seed == m.weights.seed && default_file && w.sha256 != m.export.sha256 {
            return Err(mismatch("the exported file's SHA-256", &w.sha256, &m.export.sha256));
        }
        Ok(())
    };
    let written =
        write_file_checked(&model, source, &path, &accept).with_context(|| format!("export of {}", path.display()))?;
    if args.json {
        let out = json!({
            "path": path, "model": family.name, "variant": variant.name, "opset": options.opset.version(),
            "bytes": written.bytes, "sha256": written.sha256, "weights_sha256": written.weights_sha256,
            "params": model.trainable_count(),
            "weights": match &args.weights { Some(f) => json!({"file": f}), None => json!({"seed": args.seed}) },
            "checked_against_manifest": manifest.is_some() && seeded_default && args.seed == 0,
        });
        outln!("{out}")?;
    } else {
        outln!("{}", path.display())?;
        outln!("  size     {} bytes ({})", written.bytes, bytes(written.bytes))?;
        outln!("  sha256   {}", written.sha256)?;
        match &args.weights {
            Some(f) => outln!("  weights  {}, sha256 {}", f.display(), written.weights_sha256)?,
            None => outln!("  weights  seed {}, sha256 {}", args.seed, written.weights_sha256)?,
        }
    }
    Ok(())
}
