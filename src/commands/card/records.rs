//! The card's record sections: the checksums every artefact is pinned by, and the evidence
//! `zoo card --record` measured.

use std::fmt::Write as _;

use super::page::Page;
use crate::commands::draw::relative;
use crate::format::{grouped, sci};

pub(super) fn checksums(s: &mut String, p: &Page, id: &str) {
    let m = p.manifest;
    let g = &m.golden;
    let _ = writeln!(s, "## Checksums\n");
    let _ = writeln!(s, "| artefact | bytes | SHA-256 |");
    let _ = writeln!(s, "|---|--:|---|");
    let _ = writeln!(
        s,
        "| weights, seed {} (canonical bytes: every weight and buffer, f32 little-endian, graph order) | | `{}` |",
        m.weights.seed, m.weights.sha256
    );
    let _ = writeln!(
        s,
        "| `zoo export {id}` (opset {}, {} batch) | {} | `{}` |",
        m.export.opset,
        m.export.batch,
        grouped(m.export.bytes),
        m.export.sha256
    );
    for (options, c) in &m.compiled {
        let _ = writeln!(s, "| `zoo export {id} {options}` | {} | `{}` |", grouped(c.bytes), c.sha256);
    }
    for (what, file) in [("input", &g.input), ("output", &g.output)] {
        let dims = file.shape.iter().map(usize::to_string).collect::<Vec<_>>().join("×");
        let _ = writeln!(s, "| golden {what} `{}/{}` ({dims}) | | `{}` |", g.dir, file.file, file.sha256);
    }
    let _ = writeln!(
        s,
        "\nTo reproduce them:\n\n```sh\n\
         zoo export {id} -o model.onnx   # refuses to write unless weights and file hash as above\n\
         sha256sum model.onnx\n\
         zoo weights {id} -o weights.safetensors   # the same weights, for export --weights\n\
         zoo manifests {name} --variant {variant}   # re-derives every checksum and the golden output here\n\
         zoo verify {id}   # the golden data on ONNX Runtime, tract and OpenVINO\n\
         ```\n",
        name = m.model,
        variant = m.variant
    );
    let _ = writeln!(
        s,
        "Weights: {}. Golden input: {}. The golden output was computed by {}; a runtime passes when \
         |a − r| ≤ {:e} + {:e}·|r| for every element.\n",
        m.weights.recipe, g.input_recipe, g.producer, g.tolerance.atol, g.tolerance.rtol
    );
}

pub(super) fn evidence(s: &mut String, p: &Page, id: &str) {
    let _ = writeln!(s, "## Evidence\n");
    let Some(e) = p.evidence else {
        let _ = writeln!(s, "None recorded yet: `zoo card {id} --record` runs every runtime and records it here.");
        return;
    };
    let r = &e.recorded;
    let threads = r.threads.map_or_else(|| "the runtimes' default threads".to_string(), |t| format!("{t} threads"));
    let _ = writeln!(
        s,
        "Recorded {} by `{}` (zoo {}) on {} ({}), {threads}, for the file whose SHA-256 is above.\n",
        r.date, r.command, r.zoo, r.cpu, r.cpu_features
    );
    let _ = writeln!(s, "| runtime | version | batch | max abs error | max rel error | top-1 agreement | result |");
    let _ = writeln!(s, "|---|---|--:|--:|--:|--:|---|");
    for run in &e.runtimes {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {:.0}% | {} |",
            run.runtime,
            run.version,
            run.batch,
            sci(run.max_abs),
            sci(run.max_rel),
            run.top1 * 100.0,
            if run.pass { "pass" } else { "FAIL" }
        );
    }
    let _ = writeln!(
        s,
        "\nAgainst the golden output, at tolerance |a − r| ≤ {:e} + {:e}·|r| (max rel error is over the elements \
         with r ≠ 0, so values near zero make it large; the tolerance's atol covers them).\n",
        e.tolerance.atol, e.tolerance.rtol
    );
    if let Some(l) = &e.layers {
        let mut worst: Option<(f64, &str, &str)> = None;
        for sr in &l.series {
            for ((a, peak), name) in sr.max_abs.iter().zip(&l.peak).zip(&l.names) {
                if let Some(a) = a {
                    let rel = relative(*a, *peak);
                    if worst.is_none_or(|w| rel > w.0) {
                        worst = Some((rel, name, &sr.runtime));
                    }
                }
            }
        }
        let runtimes = l.series.iter().map(|x| x.runtime.as_str()).collect::<Vec<_>>().join(", ");
        let _ = write!(
            s,
            "Layer by layer (`zoo verify {id} --layers --batch {}`): {} values compared, {runtimes} each against {}",
            l.batch,
            l.names.len(),
            l.base
        );
        if let Some((rel, name, rt)) = worst {
            let _ = write!(
                s,
                "; the largest difference, relative to the value's own scale, is {} (`{name}`, {rt})",
                sci(rel)
            );
        }
        let _ = writeln!(
            s,
            ", against a tolerance of rtol = {:e}: {}.\n",
            l.rtol,
            match &l.first_failure {
                None => "every layer passes".to_string(),
                Some(f) => format!("the first failing layer is `{f}`"),
            }
        );
    }
    if p.plot {
        let _ = writeln!(s, "![per-layer error across runtimes](layer-errors.svg)\n");
    }
    let _ = writeln!(
        s,
        "Does it hold on your machine? `zoo card {id} --check-evidence` re-runs the recorded runtimes and holds \
         them to the same tolerance; `zoo card {id} --record` records it anew."
    );
}
