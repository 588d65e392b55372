//! `zoo verify --layers`' report: a table of every value compared, or JSON (what `zoo draw
//! --errors` plots).

use zoo_pipeline::layers::LayerReport;

use crate::format::table;

/// Prints `report` (as JSON with `json`); returns whether it passed.
pub(super) fn print(report: &LayerReport, json: bool) -> anyhow::Result<bool> {
    if json {
        outln!("{}", serde_json::to_string_pretty(report)?)?;
    } else {
        out!("{}", render(report))?;
    }
    Ok(report.pass)
}

fn render(r: &LayerReport) -> String {
    let mut out = format!("{}: layers {}\n", r.target, if r.pass { "PASS" } else { "FAIL" });
    if let Some(scope) = &r.scope {
        out += &format!("  compared {scope}\n");
    }
    for (what, ok, note) in &r.checks {
        out += &format!("  {} {what}: {note}\n", if *ok { "ok  " } else { "FAIL" });
    }
    for (what, why) in &r.skipped {
        out += &format!("  skip {what}: {why}\n");
    }
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|x| {
            vec![
                x.layer.clone(),
                x.op.clone(),
                format!("{:?}", x.shape),
                format!("{} vs {}", x.runtime, x.against),
                format!("{:.2e}", x.max_abs),
                format!("{:.2e}", x.max_rel),
                format!("{:.7}", x.cosine),
                format!("{:.1}", x.sqnr_db),
                format!("{:.1e}", x.atol),
                match (x.pass, x.first_failure) {
                    (true, _) => "pass".into(),
                    (false, true) => "FAIL ← first".into(),
                    (false, false) => "FAIL".into(),
                },
            ]
        })
        .collect();
    let t = table(
        &["layer", "op", "shape", "compared", "max abs", "max rel", "cosine", "SQNR dB", "atol", ""],
        &rows,
        &[4, 5, 6, 7, 8],
    );
    for line in t.lines() {
        out += &format!("  {line}\n");
    }
    if let Some(floor) = r.sqnr_floor {
        out += &format!("  int8: rows pass at SQNR ≥ {floor} dB (not at atol)\n");
    }
    for (rt, d, ok) in &r.unmarked {
        out += &format!(
            "  unmarked graph on {rt}: final output differs from the marked run by {d:.2e} ({})\n",
            if *ok { "same" } else { "DIFFERENT" }
        );
    }
    out
}
