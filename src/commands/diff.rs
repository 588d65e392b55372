//! `zoo diff A.onnx B.onnx`: the engine's comparison (`zoo_pipeline::diff`), printed; exit
//! status 0 only when the files are equivalent (never when nothing was compared).

use anyhow::bail;
use zoo_pipeline::diff::{DiffOptions, Report, Verdict, diff};
use zoo_runtime::compare::Tolerance;

use crate::cli::DiffArgs;

pub fn run(args: &DiffArgs) -> anyhow::Result<()> {
    let options = DiffOptions {
        a: args.a.clone(),
        b: args.b.clone(),
        tolerance: Tolerance { atol: args.atol, rtol: args.rtol },
        ort: args.ort.ort_options(),
        shapes: args.shapes.clone(),
    };
    let report = diff(&options)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        out!("{}", render(&report))?;
    }
    match report.verdict {
        Verdict::Equivalent => {}
        Verdict::Differ => bail!("{} and {} are not equivalent: {}", report.a, report.b, report.why),
        Verdict::NotCompared => bail!("{} and {} were not compared: {}", report.a, report.b, report.why),
    }
    Ok(())
}

fn render(r: &Report) -> String {
    let mut s = format!("A {}\nB {}\n", r.a, r.b);
    let aligned = r.layers.iter().filter(|p| p.a.is_some() && p.b.is_some()).count();
    let same = r.layers.iter().filter(|p| p.differences.is_empty()).count();
    let (only_a, only_b) =
        (r.layers.iter().filter(|p| p.b.is_none()).count(), r.layers.iter().filter(|p| p.a.is_none()).count());
    s += &format!(
        "  parameterised layers: {aligned} aligned, {same} identical, {only_a} only in A, {only_b} only in B\n"
    );
    for p in r.layers.iter().filter(|p| !p.differences.is_empty()) {
        let name = match (&p.a, &p.b) {
            (Some(a), Some(b)) if a == b => a.clone(),
            (Some(a), Some(b)) => format!("{a} ↔ {b}"),
            (Some(a), None) | (None, Some(a)) => a.clone(),
            (None, None) => String::new(),
        };
        s += &format!("  {name} ({}): {}\n", p.op, p.differences.join("; "));
    }
    for o in &r.outputs {
        s += &format!(
            "  output `{}` {:?} on ONNX Runtime: max |a − b| {:.2e}, max rel {:.2e}, cosine {:.7} (tolerance {:.1e} + {:.1e}·|b|): {}\n",
            o.output,
            o.shape,
            o.max_abs,
            o.max_rel,
            o.cosine,
            o.tolerance.atol,
            o.tolerance.rtol,
            if o.pass { "agree" } else { "DIFFER" }
        );
    }
    if let Some(why) = &r.skipped {
        s += &format!("  outputs not compared: {why}\n");
    }
    let verdict = match r.verdict {
        Verdict::Equivalent => "equivalent",
        Verdict::Differ => "NOT equivalent",
        Verdict::NotCompared => "NOT COMPARED",
    };
    s += &format!("{verdict}: {}\n", r.why);
    s
}
