//! `zoo card --record` and `--check-evidence`: measuring a variant's evidence, and checking
//! that a record still holds where it is checked.
//!
//! Recording runs what a reader would run — `zoo verify MODEL --variant V` (the golden pair on
//! every runtime) and `zoo verify MODEL --variant V --layers --batch 1` — as the same engine
//! functions with the same options, and keeps what the card shows: per runtime its version, largest errors against the
//! golden output and top-1 agreement; per intermediate value its peak and each runtime's
//! largest difference from the first runtime. A record is refused unless every runtime asked
//! for ran and passed: the evidence is of a verification, not of a failure.

use anyhow::{Context, bail};
use zoo_artifacts::evidence::{self, Evidence, LayerSeries, Layers, Recorded, RuntimeRun, round3};
use zoo_artifacts::{Manifest, ZooDir};
use zoo_models::{Family, Variant};

use zoo_pipeline::RuntimeName;
use zoo_pipeline::layers::LayerReport;
use zoo_pipeline::subject::Target;
use zoo_pipeline::verify::{Report, VerifyOptions, verify, verify_layers};

use crate::cli::{CardArgs, OrtArgs};
use crate::commands::draw::relative;
use crate::format::sci;

/// `verify --layers` as recorded: batch 1, 32 values marked per run (at batch 1 even VGG's
/// largest activations, 12.8 MB each, stay well within memory, and fewer runs load the file
/// fewer times: AlexNet's 20 values take one run per runtime).
const LAYERS_SLICE: usize = 32;

/// The variant as `zoo verify` names it.
fn target(f: &Family, v: &Variant) -> Target {
    Target::Model { model: f.name.into(), variant: Some(v.name.into()) }
}

/// What `zoo verify MODEL --variant V --runtime R` runs with the card's `--threads`,
/// `--ort-lib` and `--ov-lib`, everything else at verify's defaults; `batch` as `--batch`.
fn verify_options(args: &CardArgs, runtimes: &[RuntimeName], batch: Vec<usize>) -> VerifyOptions {
    let ort = OrtArgs {
        ep: vec![zoo_runtime::onnxruntime::Provider::Cpu],
        strict_ep: false,
        ort_lib: args.ort_lib.clone(),
        threads: args.threads,
        trt_fp16: false,
        trt_int8: false,
        trt_cache: None,
    };
    let f32 = zoo_runtime::openvino::Precision::F32;
    VerifyOptions { batch, runtimes: ort.runtimes(runtimes, &args.ov, f32, None), ..VerifyOptions::default() }
}

/// The runtimes named by the `--runtime` words of a record.
fn runtime_names(words: &[String]) -> anyhow::Result<Vec<RuntimeName>> {
    words
        .iter()
        .map(|w| {
            RuntimeName::ALL.iter().copied().find(|r| r.as_str() == w).with_context(|| {
                format!("the evidence names the runtime `{w}`, which zoo does not run: re-record it with `zoo card --record`")
            })
        })
        .collect()
}

/// What ran a comparison, with its version: the card's "version" column.
fn version(runtime: &str, providers: &[String], ort: &str) -> String {
    match runtime.split('/').next() {
        Some("ort") => format!("onnxruntime {ort} {}", providers.join("+")),
        Some("tract") => format!("tract-onnx {}", zoo_runtime::tract::VERSION),
        _ => providers.join("+"),
    }
}

/// The `--runtime` word of a comparison's runtime label (`openvino/cpu` → `openvino`).
fn runtime_word(label: &str) -> String {
    label.split('/').next().unwrap_or(label).to_string()
}

/// Runs the output comparison; the report, or why it cannot serve as evidence.
fn output_report(zoo: &ZooDir, target: &Target, options: &VerifyOptions) -> anyhow::Result<Report> {
    let report = verify(target, options, zoo)?;
    if let Some((what, why)) = report.skipped.iter().find(|(w, _)| w != "golden") {
        bail!("{what} did not run ({why}): install it, or leave it out with --runtime");
    }
    Ok(report)
}

fn golden_runs(report: &Report, ort: &str) -> Vec<RuntimeRun> {
    report
        .comparisons
        .iter()
        .filter(|c| c.against.starts_with("golden"))
        .map(|c| RuntimeRun {
            runtime: c.runtime.clone(),
            version: version(&c.runtime, &c.providers, ort),
            batch: c.batch,
            max_abs: round3(c.metrics.max_abs),
            max_rel: round3(c.metrics.max_rel),
            top1: round3(c.metrics.top1),
            pass: c.metrics.pass,
        })
        .collect()
}

/// The per-layer record: values in the order compared, one series per runtime against the base.
fn layer_record(r: &LayerReport, batch: usize) -> anyhow::Result<Layers> {
    let base = r.rows.first().map(|row| row.against.clone()).context("no layer was compared")?;
    let rtol = r.rtol.context("the layer report carries no rtol")?;
    let v = r.by_value();
    let series = v
        .pairs
        .into_iter()
        .map(|p| LayerSeries { runtime: p.runtime, max_abs: p.max_abs.into_iter().map(|a| a.map(round3)).collect() })
        .collect();
    Ok(Layers {
        batch,
        rtol,
        base,
        names: v.names,
        ops: v.ops,
        peak: v.peak.into_iter().map(round3).collect(),
        series,
        first_failure: r.first_failure.clone(),
        pass: r.pass,
    })
}

/// Today (UTC) as `YYYY-MM-DD`, from the days since 1970 (H. Hinnant's `civil_from_days`).
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The CPU's model name, as /proc/cpuinfo gives it.
fn cpu() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, n)| n.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

fn ort_version(args: &CardArgs) -> String {
    zoo_runtime::onnxruntime::init(args.ort_lib.as_deref()).map_or_else(|_| "?".into(), |l| l.version.to_string())
}

pub(super) fn record(args: &CardArgs, zoo: &ZooDir, f: &Family, v: &Variant) -> anyhow::Result<Evidence> {
    let manifest: Manifest = zoo.load(f.name, v.name)?;
    let report = output_report(zoo, &target(f, v), &verify_options(args, &args.runtime, vec![]))?;
    if !report.pass {
        let why: Vec<String> = report.checks.iter().filter(|c| !c.1).map(|c| format!("{}: {}", c.0, c.2)).collect();
        bail!("verification failed ({}); nothing recorded", why.join("; "));
    }
    let ort = ort_version(args);
    let runtimes = golden_runs(&report, &ort);
    let layers = verify_layers(&target(f, v), &verify_options(args, &args.runtime, vec![1]), LAYERS_SLICE, zoo)?;
    if let Some((what, why)) = layers.skipped.first() {
        bail!("--layers: {what} did not run ({why}); nothing recorded");
    }
    if !layers.pass {
        bail!("--layers failed (first failing layer {:?}); nothing recorded", layers.first_failure);
    }
    let mut command = format!("zoo card {} --variant {} --record", f.name, v.name);
    let words: Vec<&str> = args.runtime.iter().map(|r| r.as_str()).collect();
    if words.join(",") != "ort,tract,openvino" {
        command += &format!(" --runtime {}", words.join(","));
    }
    if let Some(t) = args.threads {
        command += &format!(" --threads {t}");
    }
    Ok(Evidence {
        schema: evidence::SCHEMA,
        model: f.name.into(),
        variant: v.name.into(),
        weights_sha256: manifest.weights.sha256.clone(),
        file_sha256: manifest.export.sha256.clone(),
        recorded: Recorded {
            date: today(),
            command,
            zoo: env!("CARGO_PKG_VERSION").into(),
            cpu: cpu(),
            cpu_features: zoo_runtime::cpu_features(),
            threads: args.threads,
        },
        tolerance: manifest.golden.tolerance,
        runtimes,
        layers: Some(layer_record(&layers, 1)?),
    })
}

/// Re-runs the recorded runtimes: the same versions must run, every recorded output must pass
/// the recorded tolerance against the golden output, and every recorded layer series must pass
/// again. Prints recorded against measured figures.
pub(super) fn check(args: &CardArgs, zoo: &ZooDir, f: &Family, v: &Variant) -> anyhow::Result<()> {
    let id = format!("{} --variant {}", f.name, v.name);
    let e = zoo.load_evidence(f.name, v.name)?.with_context(|| {
        format!("no evidence recorded for {}/{}: record it with `zoo card {id} --record`", f.name, v.name)
    })?;
    let manifest = zoo.load(f.name, v.name)?;
    if e.file_sha256 != manifest.export.sha256 || e.tolerance != manifest.golden.tolerance {
        bail!(
            "the evidence was recorded for another file or tolerance than the manifest's: re-record it with `zoo card {id} --record`"
        );
    }
    let mut words: Vec<String> = e.runtimes.iter().map(|r| runtime_word(&r.runtime)).collect();
    words.dedup();
    let report = output_report(zoo, &target(f, v), &verify_options(args, &runtime_names(&words)?, vec![]))?;
    let fresh = golden_runs(&report, &ort_version(args));
    let mut problems = Vec::new();
    outln!("{}/{}: evidence recorded {} on {}", f.name, v.name, e.recorded.date, e.recorded.cpu)?;
    for r in &e.runtimes {
        let Some(now) = fresh.iter().find(|x| x.runtime == r.runtime && x.batch == r.batch) else {
            problems.push(format!("{} (batch {}) did not run here", r.runtime, r.batch));
            continue;
        };
        let ok = now.version == r.version && now.pass;
        outln!(
            "  {:<14} batch {}  max abs recorded {}, here {}  {}",
            r.runtime,
            r.batch,
            sci(r.max_abs),
            sci(now.max_abs),
            if ok { "holds" } else { "DOES NOT HOLD" }
        )?;
        if now.version != r.version {
            problems.push(format!(
                "{} was recorded on {}, here it is {}: re-record with `zoo card {id} --record`",
                r.runtime, r.version, now.version
            ));
        } else if !now.pass {
            problems.push(format!("{} is past the tolerance here (max abs {:.2e})", r.runtime, now.max_abs));
        }
    }
    if let Some(l) = &e.layers {
        let mut words: Vec<String> =
            std::iter::once(&l.base).chain(l.series.iter().map(|s| &s.runtime)).map(|r| runtime_word(r)).collect();
        words.dedup();
        let options = verify_options(args, &runtime_names(&words)?, vec![l.batch]);
        let now = verify_layers(&target(f, v), &options, LAYERS_SLICE, zoo)?;
        let here = layer_record(&now, l.batch)?;
        let worst = |x: &Layers| {
            let values = x.series.iter().flat_map(|s| s.max_abs.iter().zip(&x.peak));
            values.filter_map(|(a, p)| a.map(|a| relative(a, *p))).fold(0f64, f64::max)
        };
        outln!(
            "  layers         batch {}  {} values, worst relative difference recorded {}, here {}  {}",
            l.batch,
            l.names.len(),
            sci(worst(l)),
            sci(worst(&here)),
            if now.pass && here.names == l.names { "holds" } else { "DOES NOT HOLD" }
        )?;
        if here.names != l.names {
            problems.push(format!(
                "--layers compared other values here ({} against {} recorded)",
                here.names.len(),
                l.names.len()
            ));
        }
        if !now.pass {
            problems.push(format!("--layers fails here (first failing layer {:?})", now.first_failure));
        }
    }
    if !problems.is_empty() {
        bail!("{}", problems.join("; "));
    }
    Ok(())
}
