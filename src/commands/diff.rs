//! `zoo diff A.onnx B.onnx`: the engine's comparison (`zoo_pipeline::diff`), printed; exit
//! status 0 only when the files are equivalent.

use anyhow::bail;
use zoo_pipeline::diff::{DiffOptions, Report, diff};
use zoo_runtime::compare::Tolerance;

use crate::cli::DiffArgs;

pub fn run(args: &DiffArgs) -> anyhow::Result<()> {
    let options = DiffOptions {
        a: args.a.clone(),
        b: args.b.clone(),
        tolerance: Tolerance { atol: args.atol, rtol: args.rtol },
        ort: args.ort.ort_options(),
    };
    let report = diff(&options)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        out!("{}", render(&report))?;
    }
    if !report.equivalent {
        bail!("{} and {} are not equivalent (see above)", report.a, report.b);
    }
    Ok(())
}

fn render(r: &Report) -> String {
    let mut s = format!("A {}\nB {}\n", r.a, r.b);
    let same = r.layers.iter().filter(|p| p.differences.is_empty()).count();
    s += &format!("  {} parameterised layers aligned, {same} identical\n", r.layers.len());
    for p in r.layers.iter().filter(|p| !p.differences.is_empty()) {
        let name = match (&p.a, &p.b) {
            (Some(a), Some(b)) if a == b => a.clone(),
            (Some(a), Some(b)) => format!("{a} ↔ {b}"),
            (Some(a), None) | (None, Some(a)) => a.clone(),
            (None, None) => String::new(),
        };
        s += &format!("  {name} ({}): {}\n", p.op, p.differences.join("; "));
    }
    match (&r.outputs, &r.skipped) {
        (Some(o), _) => {
            s += &format!(
                "  outputs `{}` on ONNX Runtime: max |a − b| {:.2e}, max rel {:.2e}, cosine {:.7} (tolerance {:.1e} + {:.1e}·|b|): {}\n",
                o.output,
                o.max_abs,
                o.max_rel,
                o.cosine,
                o.tolerance.atol,
                o.tolerance.rtol,
                if o.pass { "agree" } else { "DIFFER" }
            );
        }
        (None, Some(why)) => s += &format!("  outputs not compared: {why}\n"),
        _ => {}
    }
    s += &format!("{}\n", if r.equivalent { "equivalent" } else { "NOT equivalent" });
    s
}
