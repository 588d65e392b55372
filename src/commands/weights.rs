//! `zoo weights MODEL`: the reference weights as a safetensors file, with their checksum in
//! its metadata — what `zoo export --weights` reads back (and checks).

use std::collections::BTreeMap;
use std::path::PathBuf;

use zoo_graph::{Batch, Seeded};

use crate::cli::WeightsArgs;
use crate::format::bytes;

pub fn run(args: &WeightsArgs) -> anyhow::Result<()> {
    let (family, variant) = zoo_models::find(&args.model, args.build.variant.as_deref())?;
    let model = zoo_models::build(family.name, Some(variant.name), &args.build.options(Batch::Dynamic))?;
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}-{}-seed{}.safetensors", family.name, variant.name, args.seed)));
    let seeded = Seeded { seed: args.seed };
    let mut meta: BTreeMap<String, String> = zoo_graph::WeightSource::describe(&seeded).into_iter().collect();
    meta.insert("zoo.model".into(), family.name.into());
    meta.insert("zoo.variant".into(), variant.name.into());
    let sha = zoo_weights::save_safetensors(&path, &model.params, &seeded, meta)?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    outln!("{}", path.display())?;
    outln!("  size     {} bytes ({})", size, bytes(size))?;
    outln!("  weights  seed {}, sha256 {sha}", args.seed)?;
    Ok(())
}
