//! `zoo list`: every model and variant with input shape, parameters, GMACs and source.

use serde_json::json;
use zoo_graph::analysis::analyze;
use zoo_models::{Options, families};

use crate::format::{grouped, table};

pub fn run(json: bool) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for family in families() {
        for (i, v) in family.variants.iter().enumerate() {
            let model = zoo_models::build(family.name, Some(v.name), &Options::default())?;
            let a = analyze(&model.proto);
            rows.push((family.name, v, i == 0, a.totals.params, a.totals.macs));
        }
    }
    if json {
        let list: Vec<_> = rows
            .iter()
            .map(|(m, v, default, params, macs)| {
                json!({
                    "model": m, "variant": v.name, "default": default, "input": v.input,
                    "params": params, "gmacs": *macs as f64 / 1e9, "softmax": v.softmax,
                    "summary": v.summary, "source": v.source,
                    "published": {
                        "params": v.published.params, "gmacs": v.published.gmacs, "source": v.published.source,
                    },
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(());
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|(m, v, default, params, macs)| {
            vec![
                m.to_string(),
                format!("{}{}", v.name, if *default { " (default)" } else { "" }),
                format!("{}×{}×{}", v.input[0], v.input[1], v.input[2]),
                grouped(*params),
                format!("{:.3}", *macs as f64 / 1e9),
                if v.softmax { "softmax" } else { "logits" }.to_string(),
                v.source.to_string(),
            ]
        })
        .collect();
    out!("{}", table(&["model", "variant", "input", "params", "GMACs", "output", "source"], &body, &[3, 4]))?;
    Ok(())
}
