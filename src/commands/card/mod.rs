//! `zoo card MODEL [--variant V]`: the variant's model card — what the network is, its sources
//! and where they disagree (from the model file's notes), its layer table, input and output,
//! its variants side by side, its checksums and how to reproduce them, and the evidence that
//! runtimes compute it alike — with two pictures: the network (`network.svg`) and the
//! per-layer error across runtimes (`layer-errors.svg`).
//!
//! The card and its pictures are derived from committed inputs only (the model definition,
//! `manifest.json`, `evidence.json`), so they are the same bytes on every machine and `zoo
//! manifests` checks them like the manifests. The evidence itself is measured on purpose, by
//! `--record` ([`evidence`]).

mod evidence;
mod page;
mod records;

use anyhow::{Context, bail};
use zoo_artifacts::{Evidence, Manifest, ZooDir};
use zoo_models::{Family, Options, Variant};

use crate::cli::CardArgs;

/// The card and its pictures, written beside the manifest.
pub(crate) const README: &str = "README.md";
pub(crate) const NETWORK_SVG: &str = "network.svg";
pub(crate) const ERRORS_SVG: &str = "layer-errors.svg";

/// One generated file of a variant's folder.
pub(crate) struct Artefact {
    pub file: &'static str,
    pub text: String,
}

pub fn run(args: &CardArgs) -> anyhow::Result<()> {
    let zoo = super::zoo_dir(args.zoo.zoo_dir.as_deref());
    let targets: Vec<(&'static Family, &'static Variant)> = if args.all {
        if !(args.record || args.check_evidence) {
            bail!("--all goes with --record or --check-evidence (a single card is printed with `zoo card MODEL`)");
        }
        zoo_models::families().iter().flat_map(|f| f.variants.iter().map(move |v| (f, v))).collect()
    } else {
        let model = args.model.as_deref().context("give a model, or --all")?;
        vec![zoo_models::find(model, args.variant.as_deref())?]
    };
    if args.check_evidence {
        let mut failed = Vec::new();
        for (f, v) in targets {
            if let Err(e) = evidence::check(args, &zoo, f, v) {
                outln!("{}/{}: FAIL {e:#}", f.name, v.name)?;
                failed.push(format!("{}/{}: {e:#}", f.name, v.name));
            }
        }
        if !failed.is_empty() {
            bail!("recorded evidence does not hold here: {}", failed.join("; "));
        }
        return Ok(());
    }
    if args.record {
        for (f, v) in targets {
            let e = evidence::record(args, &zoo, f, v).with_context(|| format!("{}/{}", f.name, v.name))?;
            let p = zoo.save_evidence(&e)?;
            outln!("wrote {}", p.display())?;
            let manifest = zoo.load(f.name, v.name)?;
            for a in artefacts(f, v, &manifest, Some(&e))? {
                outln!("wrote {}", zoo.save_text(f.name, v.name, a.file, &a.text)?.display())?;
            }
        }
        return Ok(());
    }
    let (f, v) = targets[0];
    let manifest = zoo.load(f.name, v.name)?;
    let evidence = zoo.load_evidence(f.name, v.name)?;
    let card = artefacts(f, v, &manifest, evidence.as_ref())?.into_iter().next().context("no card")?;
    match &args.output {
        Some(path) => {
            super::draw::write_text(path, &card.text)?;
            outln!("wrote {}", path.display())?;
        }
        None => out!("{}", card.text)?,
    }
    Ok(())
}

/// The card (first) and its pictures, from the model definition, `manifest` and `evidence`.
pub(crate) fn artefacts(
    family: &Family,
    v: &Variant,
    manifest: &Manifest,
    evidence: Option<&Evidence>,
) -> anyhow::Result<Vec<Artefact>> {
    let model = zoo_models::build(family.name, Some(v.name), &Options::default())?;
    let title = format!("{} / {}", family.name, v.name);
    let drawing = zoo_draw::network(&model.proto, &title).with_context(|| format!("cannot draw {title}"))?;
    let layers = zoo_draw::layers(&model.proto)?;
    let analysis = zoo_graph::analysis::analyze(&model.proto);
    let plot = match evidence.and_then(super::draw::from_evidence) {
        Some(p) => Some(zoo_draw::layer_errors(&p).with_context(|| format!("cannot plot the evidence of {title}"))?),
        None => None,
    };
    let siblings = family
        .variants
        .iter()
        .map(|s| {
            let m = zoo_models::build(family.name, Some(s.name), &Options::default())?;
            let a = zoo_graph::analysis::analyze(&m.proto);
            Ok(page::Sibling { variant: s, params: a.totals.params, macs: a.totals.macs })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let text = page::render(&page::Page {
        family,
        variant: v,
        manifest,
        evidence,
        layers: &layers,
        analysis: &analysis,
        drawing: &drawing,
        siblings: &siblings,
        plot: plot.is_some(),
    });
    let mut out = vec![Artefact { file: README, text }, Artefact { file: NETWORK_SVG, text: drawing.svg }];
    if let Some(p) = plot {
        out.push(Artefact { file: ERRORS_SVG, text: p.svg });
    }
    Ok(out)
}

/// What is not current in a variant's card files: each line names the file and the fix.
pub(crate) fn differences(
    zoo: &ZooDir,
    family: &Family,
    v: &Variant,
    manifest: &Manifest,
) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let record = format!("zoo card {} --variant {} --record", family.name, v.name);
    let evidence = match zoo.load_evidence(family.name, v.name) {
        Ok(e) => e,
        Err(e) => {
            out.push(format!("{e}: re-record it with `{record}`"));
            None
        }
    };
    match &evidence {
        None if out.is_empty() => out.push(format!("evidence.json missing: record it with `{record}`")),
        Some(e) if e.weights_sha256 != manifest.weights.sha256 || e.file_sha256 != manifest.export.sha256 => out.push(
            format!("evidence.json was recorded for another file than the manifest's: re-record it with `{record}`"),
        ),
        Some(e) if e.tolerance != manifest.golden.tolerance => {
            out.push(format!("evidence.json holds another tolerance than the manifest's: re-record it with `{record}`"))
        }
        _ => {}
    }
    let made = artefacts(family, v, manifest, evidence.as_ref())?;
    for a in &made {
        if zoo.read_text(family.name, v.name, a.file)?.as_deref() != Some(a.text.as_str()) {
            out.push(format!("{} is not current (regenerate it with `zoo manifests --write`)", a.file));
        }
    }
    if !made.iter().any(|a| a.file == ERRORS_SVG) && zoo.read_text(family.name, v.name, ERRORS_SVG)?.is_some() {
        out.push(format!("{ERRORS_SVG} has no evidence behind it (regenerate with `zoo manifests --write`)"));
    }
    Ok(out)
}
