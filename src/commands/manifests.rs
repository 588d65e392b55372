//! `zoo manifests [--write]`: re-derive every artefact of the zoo/ folder — architecture
//! figures, weight and file checksums, golden input and output — and compare them with what is
//! committed (or write them). The test suite runs the check, so committed manifests stay current.

use anyhow::{Context, bail};
use zoo_artifacts::golden::{self, BATCH, INPUT_FILE, OUTPUT_FILE};
use zoo_artifacts::manifest::{Architecture, Compiled, Export, Golden, GoldenFile, Io, Tolerance, Weights};
use zoo_artifacts::{Manifest, ZooDir};
use zoo_graph::analysis::analyze;
use zoo_graph::{Dim, Seeded, TensorInfo};
use zoo_models::{Family, Options, Variant};
use zoo_runtime::Runner;
use zoo_runtime::compare::{compare, spread};
use zoo_runtime::onnxruntime::{OrtOptions, OrtRunner, Provider};

use crate::cli::ManifestsArgs;

/// A manifest re-derived from the code, with the golden tensors it describes.
pub struct Derived {
    pub manifest: Manifest,
    pub input: zoo_runtime::Tensor,
    pub output: zoo_runtime::Tensor,
}

/// Golden outputs must say something: their spread (RMS) across classes and across the two
/// inputs must exceed the tolerance by this factor, or a comparison against them proves
/// nothing. Deep random ReLU networks map different inputs to strongly correlated outputs
/// (cosine ≈ 0.99 for GoogLeNet), so across inputs 20× is what the deepest ones reach; the
/// tolerance itself is ≥ 3× the largest tract–ONNX Runtime difference measured.
pub const INFORMATIVE: f64 = 20.0;

/// The tolerance a runtime must meet against the golden output: fp32 runtimes differ by
/// summation order only, which costs a few ulps per accumulation over thousands of terms.
/// tract and ONNX Runtime agree to ~3e-6 of an output's range on every AlexNet variant, so
/// atol is 1e-5 of the golden output's largest magnitude, rounded up to one significant digit.
fn tolerance(output: &zoo_runtime::Tensor) -> Tolerance {
    let scale = output.data.iter().fold(0f64, |m, x| m.max(f64::from(x.abs())));
    Tolerance { atol: round_up_1_digit(1e-5 * scale), rtol: 1e-4 }
}

/// 9.06e-6 → 1e-5, 1.35e-7 → 2e-7.
fn round_up_1_digit(x: f64) -> f64 {
    if x <= 0.0 {
        return x;
    }
    let p = 10f64.powi(x.log10().floor() as i32);
    let d = (x / p).ceil();
    // Parse the decimal text so that the manifest shows 2e-7, not 2.0000000000000002e-7.
    format!("{d}e{}", x.log10().floor() as i32).parse().unwrap_or(d * p)
}

fn io(name: &str, info: &Option<TensorInfo>) -> Io {
    let shape = info
        .as_ref()
        .map(|t| {
            t.shape
                .iter()
                .map(|d| match d {
                    Dim::Known(n) => serde_json::json!(n),
                    Dim::Sym(s) => serde_json::json!(s),
                })
                .collect()
        })
        .unwrap_or_default();
    Io { name: name.to_string(), shape }
}

fn ort_cpu(library: Option<std::path::PathBuf>) -> OrtOptions {
    OrtOptions {
        library,
        providers: vec![Provider::Cpu],
        strict: true,
        threads: None,
        trt_fp16: false,
        trt_int8: false,
        trt_engine_cache: None,
        profile: true,
        optimize: true,
        save_optimized: None,
    }
}

pub fn derive(family: &Family, v: &Variant, ort_lib: Option<std::path::PathBuf>) -> anyhow::Result<Derived> {
    let options = Options::default();
    let model = zoo_models::build(family.name, Some(v.name), &options)?;
    let a = analyze(&model.proto);
    let (input_name, input_info) = a.inputs.first().cloned().context("model without input")?;
    let (output_name, output_info) = a.outputs.first().cloned().context("model without output")?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("model.onnx");
    let seeded = Seeded { seed: 0 };
    let written = zoo_graph::write::write_file(&model, &seeded, &path, &Default::default())?;
    let mut compiled = std::collections::BTreeMap::new();
    for args in zoo_pipeline::compile::pinned() {
        let reference = format!("{}/{}", family.name, v.name);
        let (graph, _) =
            zoo_pipeline::compile::compile_export(&model, &seeded, &args, &reference, written.weights_sha256.clone())?;
        // Hashed as it streams past: nothing is written.
        let w = zoo_graph::write::encode(&graph, &seeded, std::io::sink())?;
        let pin = Compiled { bytes: w.bytes, sha256: w.sha256, weights_sha256: w.weights_sha256 };
        compiled.insert(zoo_pipeline::names::key(&args), pin);
    }
    let input = golden::input(v, &input_name, BATCH);
    let library = zoo_runtime::onnxruntime::init(ort_lib.as_deref())?;
    let (mut runner, _) = OrtRunner::new(&path, &ort_cpu(ort_lib))?;
    let run = runner.run(std::slice::from_ref(&input))?;
    let output = run.outputs.into_iter().next().context("no output")?;
    let tol = tolerance(&output);
    let s = spread(&output);
    if s.across_classes < INFORMATIVE * tol.atol || s.across_inputs < INFORMATIVE * tol.atol {
        bail!(
            "golden output of {}/{} is not informative: spread across classes {:.3e}, across inputs {:.3e}, tolerance {:.3e}",
            family.name,
            v.name,
            s.across_classes,
            s.across_inputs,
            tol.atol
        );
    }
    let file = |f: &str, t: &zoo_runtime::Tensor| GoldenFile {
        file: f.into(),
        name: t.name.clone(),
        shape: t.shape.clone(),
        sha256: zoo_graph::write::hex(&<sha2::Sha256 as sha2::Digest>::digest(zoo_runtime::pb::encode_tensor(t))),
    };
    let manifest = Manifest {
        schema: zoo_artifacts::manifest::SCHEMA,
        model: family.name.into(),
        variant: v.name.into(),
        source: v.source.into(),
        architecture: Architecture {
            input: io(&input_name, &input_info),
            output: io(&output_name, &output_info),
            params: a.totals.params,
            buffers: a.totals.buffers,
            gmacs: a.totals.macs as f64 / 1e9,
        },
        default_opset: options.opset.version(),
        weights: Weights { recipe: Seeded::RECIPE.into(), seed: seeded.seed, sha256: written.weights_sha256 },
        export: Export {
            opset: options.opset.version(),
            batch: "dynamic".into(),
            bytes: written.bytes,
            sha256: written.sha256,
        },
        compiled,
        golden: Golden {
            dir: golden::DIR.into(),
            batch: BATCH,
            input: file(INPUT_FILE, &input),
            output: file(OUTPUT_FILE, &output),
            input_recipe: golden::INPUT_RECIPE.into(),
            producer: format!("onnxruntime {} {}", library.version, run.providers.join("+")),
            tolerance: tol,
        },
    };
    Ok(Derived { manifest, input, output })
}

/// The differences between a committed manifest (with its golden files) and a derived one.
pub fn differences(zoo: &ZooDir, committed: &Manifest, d: &Derived) -> anyhow::Result<Vec<String>> {
    let mut diffs = Vec::new();
    let a = serde_json::to_value(committed)?;
    let mut b = serde_json::to_value(&d.manifest)?;
    // The golden output is re-derived within tolerance, not bit for bit (another CPU may
    // round differently), and its producer string names this machine's library.
    b["golden"]["output"]["sha256"] = a["golden"]["output"]["sha256"].clone();
    b["golden"]["producer"] = a["golden"]["producer"].clone();
    b["golden"]["tolerance"] = a["golden"]["tolerance"].clone();
    json_diff("", &a, &b, &mut diffs);
    match golden::load(zoo, committed) {
        Err(e) => diffs.push(e.to_string()),
        Ok((input, output)) => {
            if input != d.input {
                diffs.push("golden input differs from its recipe".into());
            }
            let t = committed.golden.tolerance;
            let m = compare(&d.output, &output, t)?;
            if !m.pass {
                diffs.push(format!(
                    "golden output differs from ONNX Runtime's here beyond tolerance: max abs {:.3e}, max rel {:.3e}",
                    m.max_abs, m.max_rel
                ));
            }
        }
    }
    Ok(diffs)
}

/// The variant's card and pictures beside its manifest; a plot left from evidence that is no
/// longer there is removed.
fn write_card(zoo: &ZooDir, f: &Family, v: &Variant, m: &Manifest) -> anyhow::Result<()> {
    let evidence = zoo.load_evidence(f.name, v.name)?;
    let made = super::card::artefacts(f, v, m, evidence.as_ref())?;
    for a in &made {
        outln!("wrote {}", zoo.save_text(f.name, v.name, a.file, &a.text)?.display())?;
    }
    if let Some(dir) = zoo.variant_dir(f.name, v.name)
        && !made.iter().any(|a| a.file == super::card::ERRORS_SVG)
    {
        let stale = dir.join(super::card::ERRORS_SVG);
        if stale.is_file() {
            std::fs::remove_file(&stale).with_context(|| format!("cannot remove {}", stale.display()))?;
        }
    }
    Ok(())
}

fn json_diff(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    match (a, b) {
        (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
            for (k, va) in x {
                json_diff(&format!("{path}.{k}"), va, y.get(k).unwrap_or(&serde_json::Value::Null), out);
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}.{k}: missing from the manifest"));
            }
        }
        _ if a != b => out.push(format!("{}: manifest has {a}, derived {b}", path.trim_start_matches('.'))),
        _ => {}
    }
}

pub fn run(args: &ManifestsArgs) -> anyhow::Result<()> {
    let zoo = super::zoo_dir(args.zoo.zoo_dir.as_deref());
    let mut targets = Vec::new();
    for f in zoo_models::families().iter().filter(|f| args.model.as_deref().is_none_or(|m| m == f.name)) {
        for v in f.variants.iter().filter(|v| args.variant.as_deref().is_none_or(|x| x == v.name)) {
            targets.push((f, v));
        }
    }
    if targets.is_empty() {
        // Names the valid choices.
        zoo_models::find(args.model.as_deref().unwrap_or_default(), args.variant.as_deref())?;
    }
    let mut failed = 0;
    for (f, v) in targets {
        let d = derive(f, v, args.ort_lib.clone()).with_context(|| format!("{}/{}", f.name, v.name))?;
        if args.write {
            let mut m = d.manifest.clone();
            m.golden.input = golden::save(&zoo, f.name, v.name, INPUT_FILE, &d.input)?;
            m.golden.output = golden::save(&zoo, f.name, v.name, OUTPUT_FILE, &d.output)?;
            let p = zoo.save(&m)?;
            outln!("wrote {}", p.display())?;
            write_card(&zoo, f, v, &m)?;
            continue;
        }
        let diffs = match zoo.load(f.name, v.name) {
            Ok(committed) => {
                let mut diffs = differences(&zoo, &committed, &d)?;
                // The card and its pictures, from the committed manifest and evidence (an
                // installed binary's built-in manifests come without them).
                if matches!(zoo, ZooDir::Disk(_)) {
                    diffs.extend(super::card::differences(&zoo, f, v, &committed)?);
                }
                diffs
            }
            Err(e) => vec![e.to_string()],
        };
        if diffs.is_empty() {
            outln!("{}/{}: current", f.name, v.name)?;
        } else {
            failed += 1;
            outln!("{}/{}: STALE", f.name, v.name)?;
            for d in diffs {
                outln!("  {d}")?;
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} manifest(s) in {} are not current: run `zoo manifests --write` if the changes are deliberate",
            zoo.describe()
        );
    }
    Ok(())
}
