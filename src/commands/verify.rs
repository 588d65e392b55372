//! `zoo verify`: the engine's verification (`zoo_pipeline::verify`), printed as a table or
//! JSON; with `--layers`, layer by layer (`layers.rs`).

use anyhow::{Context, bail};
use zoo_pipeline::subject::Target;
use zoo_pipeline::verify::{self, Report};

use crate::cli::VerifyArgs;
use crate::format::table;

pub fn run(args: &VerifyArgs) -> anyhow::Result<()> {
    if args.layers {
        let report = layer_report(args)?;
        let label = report.target.clone();
        if !super::layers::print(&report, args.json)? {
            bail!("layer-by-layer verification failed for {label}");
        }
        return Ok(());
    }
    let reports = reports(args)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&reports)?)?;
    } else {
        for r in &reports {
            out!("{}", render(r))?;
        }
    }
    let failed: Vec<&str> = reports.iter().filter(|r| !r.pass).map(|r| r.target.as_str()).collect();
    if !failed.is_empty() {
        bail!("verification failed for {}", failed.join(", "));
    }
    Ok(())
}

/// The model or file `args.target` names.
fn target(args: &VerifyArgs) -> anyhow::Result<Target> {
    let target = args.target.as_deref().context("give a model, a file, or --all")?;
    Ok(Target::parse(target, args.build.variant.as_deref()))
}

/// The verification `args` ask for (outputs, not `--layers`), one report per model or file.
fn reports(args: &VerifyArgs) -> anyhow::Result<Vec<Report>> {
    let zoo = super::zoo_dir(args.zoo.zoo_dir.as_deref());
    if args.all {
        return Ok(verify::verify_all(&args.options(), &zoo)?);
    }
    Ok(vec![verify::verify(&target(args)?, &args.options(), &zoo)?])
}

/// `verify --layers`: every intermediate value of the target, layer by layer.
fn layer_report(args: &VerifyArgs) -> anyhow::Result<zoo_pipeline::layers::LayerReport> {
    let zoo = super::zoo_dir(args.zoo.zoo_dir.as_deref());
    Ok(verify::verify_layers(&target(args)?, &args.options(), args.slice, &zoo)?)
}

fn render(r: &Report) -> String {
    let mut out = format!("{}: {}\n", r.target, if r.pass { "PASS" } else { "FAIL" });
    for (name, ok, note) in &r.checks {
        out += &format!("  {} {name}: {note}\n", if *ok { "ok  " } else { "FAIL" });
    }
    for (what, why) in &r.skipped {
        out += &format!("  skip {what}: {why}\n");
    }
    let rows: Vec<Vec<String>> = r
        .comparisons
        .iter()
        .map(|c| {
            let m = &c.metrics;
            vec![
                c.runtime.clone(),
                c.providers.join("+"),
                c.batch.to_string(),
                c.against.clone(),
                format!("{:.2e}", m.max_abs),
                format!("{:.2e}", m.mean_abs),
                format!("{:.2e}", m.max_rel),
                format!("{:.7}", m.cosine),
                format!("{:.0}%", m.top1 * 100.0),
                format!("{:.0}%", m.top5 * 100.0),
                format!("abs {:.1e} | rel {:.1e}", m.min_atol, m.min_rtol),
                if m.pass { "pass".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    if !rows.is_empty() {
        let t = table(
            &[
                "runtime",
                "provider",
                "batch",
                "against",
                "max abs",
                "mean abs",
                "max rel",
                "cosine",
                "top-1",
                "top-5",
                "min tolerance",
                "",
            ],
            &rows,
            &[2, 4, 5, 6, 7, 8, 9],
        );
        for line in t.lines() {
            out += &format!("  {line}\n");
        }
        if let Some(c) = r.comparisons.first() {
            out += &format!("  tolerance: |a − r| ≤ {:.1e} + {:.1e}·|r|\n", c.tolerance.atol, c.tolerance.rtol);
        }
    }
    out
}
