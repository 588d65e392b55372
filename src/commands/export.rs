//! `zoo export MODEL`: build the graph, stream the reference weights into the file, report.

use std::path::PathBuf;

use serde_json::json;
use zoo_graph::Seeded;
use zoo_graph::write::write_file;

use crate::cli::ExportArgs;
use crate::format::bytes;

pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let (family, variant) = zoo_models::find(&args.model, args.build.variant.as_deref())?;
    let options = args.build.options();
    let model = zoo_models::build(family.name, Some(variant.name), &options)?;
    let path = args.output.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}-{}-opset{}.onnx",
            family.name, variant.name, options.opset
        ))
    });
    let written = write_file(&model, &Seeded { seed: args.seed }, &path)?;
    if args.json {
        let out = json!({
            "path": path, "model": family.name, "variant": variant.name, "opset": options.opset.version(),
            "bytes": written.bytes, "sha256": written.sha256, "weights_sha256": written.weights_sha256,
            "params": model.trainable_count(), "seed": args.seed,
        });
        println!("{out}");
    } else {
        println!("{}", path.display());
        println!(
            "  size     {} bytes ({})",
            written.bytes,
            bytes(written.bytes)
        );
        println!("  sha256   {}", written.sha256);
        println!(
            "  weights  seed {}, sha256 {}",
            args.seed, written.weights_sha256
        );
    }
    Ok(())
}
