//! `zoo export MODEL`: build the graph, stream the weights (seeded, or from `--weights`) into
//! the file, check the result against the variant's manifest before it is put in place, report.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::json;
use zoo_graph::passes::PassReport;
use zoo_graph::write::{WriteOptions, Written, weights_sha256, write_file};
use zoo_graph::{Seeded, WeightSource};

use zoo_pipeline::Precision;

use crate::cli::ExportArgs;
use crate::format::bytes;

pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let (family, variant) = zoo_models::find(&args.model, args.build.variant.as_deref())?;
    let options = args.build.options(args.batch.value);
    let model = zoo_models::build(family.name, Some(variant.name), &options)?;
    let external = args.data.external();
    let passes = args.passes.options();
    let compiled = passes.compiles();
    let path = args.output.clone().unwrap_or_else(|| {
        PathBuf::from(zoo_pipeline::names::export_file_name(family.name, variant.name, options.opset, &passes))
    });

    let zoo = super::zoo_dir(args.zoo.zoo_dir.as_deref());
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
    let default_graph = options.is_pinned_graph(variant);
    let corrupted = |actual: &str| -> Result<(), String> {
        match (&claimed, &args.weights) {
            (Some(claimed), Some(file)) if claimed != actual => Err(format!(
                "checksum mismatch: the tensors of {} hash to {actual}, the file records {claimed} ({}): the weights file is corrupted",
                file.display(),
                zoo_weights::CLAIMED_SHA256_KEY
            )),
            _ => Ok(()),
        }
    };
    let pinned = manifest.as_ref().filter(|m| seeded_default && args.seed == m.weights.seed);
    let mismatch = |what: &str, actual: &str, expected: &str| {
        format!(
            "checksum mismatch: {what} of {}/{} is {actual}, {manifest_path} records {expected}; \
             nothing was written (if the change is deliberate, run `zoo manifests --write`)",
            family.name, variant.name
        )
    };
    // `--target`: lint the graph about to be written; an error writes nothing.
    let lint = |proto: &zoo_proto::ModelProto| -> anyhow::Result<()> {
        if args.target.is_empty() {
            return Ok(());
        }
        super::lint::check(proto, &path.display().to_string(), &args.target, &[], false, true)
    };
    if compiled {
        // The reference's weights: pinned by the manifest, or hashed from the source (one
        // extra pass over the weights, without writing them).
        let reference_weights = match pinned {
            Some(m) => m.weights.sha256.clone(),
            None => weights_sha256(&model, source)?,
        };
        corrupted(&reference_weights).map_err(anyhow::Error::msg)?;
        let reference = format!("{}/{}", family.name, variant.name);
        let (graph, reports) =
            zoo_pipeline::compile::compile_export(&model, source, &passes, &reference, reference_weights)?;
        lint(&graph.skeleton())?;
        let key = zoo_pipeline::names::key(&passes);
        let pin = pinned
            .filter(|m| default_graph && options.opset.version() == m.export.opset)
            .and_then(|m| m.compiled.get(&key));
        let accept = |w: &Written| -> Result<(), String> {
            let Some(pin) = pin else { return Ok(()) };
            // With external data the file differs from the pinned one; its weights do not.
            let mut checks = vec![("weights", &w.weights_sha256, &pin.weights_sha256)];
            if external.is_none() {
                checks.insert(0, ("file", &w.sha256, &pin.sha256));
            }
            for (what, actual, expected) in checks {
                if actual != expected {
                    return Err(mismatch(&format!("the `{key}` {what}'s SHA-256"), actual, expected));
                }
            }
            Ok(())
        };
        let written =
            write_file(&graph, source, &path, &WriteOptions { accept: Some(&accept), external_data: external })
                .with_context(|| format!("export of {}", path.display()))?;
        if passes.precision == Precision::Int8 {
            eprintln!("zoo: int8: {}", zoo_pipeline::compile::int8_kernels(&path));
        }
        return print(args, &path, family, variant, &options, &model, &written, Some(&reports), pin.is_some());
    }
    let accept = |w: &Written| -> Result<(), String> {
        corrupted(&w.weights_sha256)?;
        let Some(m) = &manifest else { return Ok(()) };
        if seeded_default && args.seed == m.weights.seed && w.weights_sha256 != m.weights.sha256 {
            return Err(mismatch("the weights' SHA-256", &w.weights_sha256, &m.weights.sha256));
        }
        let default_file = default_graph && options.opset.version() == m.export.opset && external.is_none();
        if seeded_default && args.seed == m.weights.seed && default_file && w.sha256 != m.export.sha256 {
            return Err(mismatch("the exported file's SHA-256", &w.sha256, &m.export.sha256));
        }
        Ok(())
    };
    lint(&model.proto)?;
    let written = write_file(&model, source, &path, &WriteOptions { accept: Some(&accept), external_data: external })
        .with_context(|| format!("export of {}", path.display()))?;
    let checked = manifest.is_some() && seeded_default && args.seed == 0;
    print(args, &path, family, variant, &options, &model, &written, None, checked)
}

#[allow(clippy::too_many_arguments)]
fn print(
    args: &ExportArgs,
    path: &Path,
    family: &zoo_models::Family,
    variant: &zoo_models::Variant,
    options: &zoo_models::Options,
    model: &zoo_graph::Model,
    written: &Written,
    reports: Option<&[PassReport]>,
    checked: bool,
) -> anyhow::Result<()> {
    if reports.is_some_and(|r| r.iter().any(|p| p.pass.starts_with("fp16"))) {
        super::compile::warn_fp16(written);
    }
    if args.json {
        let mut out = json!({
            "path": path, "model": family.name, "variant": variant.name, "opset": options.opset.version(),
            "bytes": written.bytes, "sha256": written.sha256, "weights_sha256": written.weights_sha256,
            "params": model.trainable_count(),
            "weights": match &args.weights { Some(f) => json!({"file": f}), None => json!({"seed": args.seed}) },
            "checked_against_manifest": checked,
        });
        if let Some(d) = &written.data {
            out["external_data"] = super::compile::data_json(d);
        }
        if let Some(r) = reports {
            out["passes"] = super::compile::reports_json(r);
            if r.iter().any(|p| p.pass.starts_with("fp16")) {
                out["fp16"] = super::compile::fp16_json(written);
            }
        }
        outln!("{out}")?;
    } else {
        outln!("{}", path.display())?;
        outln!("  size     {} bytes ({})", written.bytes, bytes(written.bytes))?;
        outln!("  sha256   {}", written.sha256)?;
        out!("{}", super::compile::data_line(written))?;
        match &args.weights {
            Some(f) => outln!("  weights  {}, sha256 {}", f.display(), written.weights_sha256)?,
            None => outln!("  weights  seed {}, sha256 {}", args.seed, written.weights_sha256)?,
        }
        if let Some(r) = reports {
            out!("{}", super::compile::fp16_line(written, r.iter().any(|p| p.pass.starts_with("fp16"))))?;
            out!("{}", super::compile::render_reports(r))?;
        }
    }
    Ok(())
}
