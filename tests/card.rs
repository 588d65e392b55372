//! `zoo card` and `zoo draw`: the committed pictures render and hold what they claim (one
//! block per layer, one shortcut per residual block, the inception branches), the card prints
//! what is committed, and the evidence recorded for a cheap variant still holds here. That
//! the cards and pictures are current is `zoo manifests`' check
//! (`verify::committed_manifests_are_current`).

use std::path::{Path, PathBuf};

use crate::support::{copy_dir, fails_with, ok, python_check, root, stdout, zoo};

fn zoo_dir() -> PathBuf {
    root().join("zoo")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Renders `svg` with resvg — no fonts are loaded, so text is left out and shapes drawn: the
/// test depends on no system font — scaled to at most 1500 px a side; returns the SVG's size
/// and the share of pixels that are not white.
fn render(svg: &str) -> (f32, f32, f64) {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("a valid SVG");
    let size = tree.size();
    let scale = (1500.0 / size.width().max(size.height())).min(1.0);
    let (w, h) = ((size.width() * scale).ceil() as u32, (size.height() * scale).ceil() as u32);
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).expect("a pixmap");
    resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    let ink = pixmap.pixels().iter().filter(|p| p.red() < 245 || p.green() < 245 || p.blue() < 245).count();
    (size.width(), size.height(), ink as f64 / (w as f64 * h as f64))
}

/// Every model and variant, with its folder.
fn variants() -> Vec<(&'static str, &'static str, PathBuf)> {
    zoo_models::families()
        .iter()
        .flat_map(|f| f.variants.iter().map(move |v| (f.name, v.name, zoo_dir().join(f.name).join(v.name))))
        .collect()
}

#[test]
fn committed_pictures_render() {
    for (model, variant, dir) in variants() {
        for file in ["network.svg", "layer-errors.svg"] {
            let (w, h, ink) = render(&read(&dir.join(file)));
            assert!((300.0..8000.0).contains(&w) && (300.0..4000.0).contains(&h), "{model}/{variant} {file}: {w}×{h}");
            assert!(ink > 0.01 && ink < 0.6, "{model}/{variant} {file}: {:.1}% of the pixels drawn", ink * 100.0);
        }
    }
}

/// One block per layer — as many as the card's layer table has rows — and, for residual
/// networks, one shortcut per block with an Add: an identity lane, or a projection branch of
/// two edges (into and out of `downsample`).
#[test]
fn drawings_hold_one_block_per_layer_and_one_shortcut_per_residual_block() {
    let residual_blocks = [("resnet18", 8), ("resnet34", 16), ("resnet50", 16), ("resnet101", 33), ("resnet152", 50)];
    for (model, variant, dir) in variants() {
        let built = zoo_models::build(model, Some(variant), &zoo_models::Options::default()).unwrap();
        let d = zoo_draw::network(&built.proto, &format!("{model} / {variant}")).unwrap();
        let svg = read(&dir.join("network.svg"));
        let card = read(&dir.join("README.md"));
        let nodes = &built.proto.graph.as_ref().unwrap().node;
        let blocks = svg.matches(r#"<g class="block "#).count();
        let io = svg.matches(r#"<g class="block io""#).count();
        assert_eq!((blocks - io, io), (d.blocks, 2), "{model}/{variant}");
        let rows =
            card.lines().filter(|l| l.strip_prefix("| ").is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())));
        assert_eq!(rows.count(), d.blocks, "{model}/{variant}: the card's layer table");

        let adds = nodes.iter().filter(|n| n.op_type() == "Add").count();
        assert_eq!(d.shortcuts, adds, "{model}/{variant}");
        if let Some((_, n)) = residual_blocks.iter().find(|(m, _)| *m == model) {
            assert_eq!(adds, *n, "{model}: Table 1's blocks");
        }
        let projections = nodes.iter().filter(|n| n.name().ends_with(".downsample.0")).count();
        let lanes = svg.matches(r#"<polyline class="shortcut""#).count();
        assert_eq!(lanes, (adds - projections) + 2 * projections, "{model}/{variant}");
    }
    // The paper's layer list: conv1, norm1, pool1, conv2, norm2, pool2, conv3-5, pool5,
    // flatten, fc6-8, softmax; nine inception modules of four branches each.
    let layers = |m: &str, v: &str| {
        zoo_draw::network(&zoo_models::build(m, Some(v), &zoo_models::Options::default()).unwrap().proto, "t").unwrap()
    };
    assert_eq!(layers("alexnet", "lrn").blocks, 15);
    for v in ["paper", "torchvision"] {
        let g = layers("googlenet", v);
        assert_eq!((g.parallels, g.branches, g.shortcuts), (9, 36, 0), "googlenet/{v}");
    }
}

#[test]
fn card_prints_the_committed_page() {
    let out = ok(zoo(&["card", "resnet18", "--zoo-dir", zoo_dir().to_str().unwrap()]));
    assert_eq!(out, read(&zoo_dir().join("resnet18/v1.5/README.md")));
    for needle in ["## Sources", "## Where the sources disagree", "[2, 2, 2, 2]", "## Checksums", "## Evidence"] {
        assert!(out.contains(needle), "{needle}");
    }
    let alexnet = read(&zoo_dir().join("alexnet/lrn/README.md"));
    assert!(alexnet.contains("(13 + 2·1 − 3)/1 + 1 = 13"), "the last pool's arithmetic");
    assert!(read(&zoo_dir().join("alexnet/bn/README.md")).contains("\"valid\""));
}

/// The cheap variant's record, re-run here: the same runtime versions, every output and layer
/// within the recorded tolerance.
#[test]
fn recorded_evidence_holds_here() {
    let zd = zoo_dir();
    let out = ok(zoo(&[
        "card",
        "alexnet",
        "--variant",
        "torchvision",
        "--check-evidence",
        "--zoo-dir",
        zd.to_str().unwrap(),
    ]));
    for runtime in ["ort/cpu", "tract", "openvino/cpu", "layers"] {
        assert!(out.lines().any(|l| l.contains(runtime) && l.ends_with("holds")), "{runtime}: {out}");
    }
    // Evidence of another file is refused before anything runs.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alexnet/torchvision");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["manifest.json", "evidence.json"] {
        std::fs::copy(zd.join("alexnet/torchvision").join(f), dir.join(f)).unwrap();
    }
    let e = read(&dir.join("evidence.json"));
    let sha = serde_json::from_str::<serde_json::Value>(&e).unwrap()["file_sha256"].as_str().unwrap().to_string();
    std::fs::write(dir.join("evidence.json"), e.replace(&sha, &"0".repeat(64))).unwrap();
    let t = tmp.path().to_str().unwrap();
    fails_with(
        zoo(&["card", "alexnet", "--variant", "torchvision", "--check-evidence", "--zoo-dir", t]),
        "re-record it",
    );
}

/// `zoo draw` on files other exporters write (shape chains left out and counted, unknown ops
/// drawn as what they are), and `--errors` on a layer report and on a variant's evidence.
#[test]
fn draw_reads_any_file_and_plots_layer_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let made = python_check("foreign_models.py", &[t.to_str().unwrap()]);
    for f in made["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let out = t.join("net.svg");
        ok(zoo(&["draw", path, "-o", out.to_str().unwrap()]));
        let svg = read(&out);
        assert!(svg.contains(r#"<g class="block "#), "{path}");
        render(&svg);
        if path.contains("torch") {
            assert!(svg.contains("shape/constant nodes not drawn") && !svg.contains("data-layer=\"/Shape\""), "{path}");
        }
    }
    // The committed plot is what `draw --errors` makes of the committed evidence.
    let dir = zoo_dir().join("alexnet/torchvision");
    let plot = ok(zoo(&["draw", "--errors", dir.join("evidence.json").to_str().unwrap()]));
    assert_eq!(plot, read(&dir.join("layer-errors.svg")));
    // A report with a failing layer: the failure is marked.
    let report = serde_json::json!({
        "target": "x.onnx", "reference": null, "slice": 8, "rtol": 1e-4, "skipped": [], "unmarked": [],
        "first_failure": "b", "sqnr_floor": null, "pass": false,
        "rows": [
            {"layer": "a", "op": "Conv", "shape": [1, 8], "runtime": "tract", "against": "ort/cpu", "max_abs": 1e-7,
             "max_rel": 1e-6, "cosine": 1.0, "sqnr_db": 120.0, "atol": 1e-4, "pass": true, "first_failure": false},
            {"layer": "b", "op": "Relu", "shape": [1, 8], "runtime": "tract", "against": "ort/cpu", "max_abs": 1e-2,
             "max_rel": 1e-1, "cosine": 0.9, "sqnr_db": 20.0, "atol": 1e-4, "pass": false, "first_failure": true}
        ]
    });
    let json = t.join("layers.json");
    std::fs::write(&json, report.to_string()).unwrap();
    let svg = ok(zoo(&["draw", "--errors", json.to_str().unwrap()]));
    assert!(svg.contains("first failure: b") && svg.contains("tolerance rtol = 1.00e-4"), "{svg}");
    render(&svg);
}

/// `zoo manifests` names a card or picture that is not current, and a missing record;
/// `--write` writes them.
#[test]
fn manifests_checks_and_writes_the_cards() {
    let tmp = tempfile::tempdir().unwrap();
    let committed = zoo_dir().join("resnet18/v1.5");
    let dir = tmp.path().join("resnet18/v1.5");
    copy_dir(&committed, &dir);
    std::fs::remove_file(dir.join("network.svg")).unwrap();
    std::fs::write(dir.join("README.md"), read(&committed.join("README.md")) + "edited\n").unwrap();
    let t = tmp.path().to_str().unwrap();
    let check = || zoo(&["manifests", "resnet18", "--variant", "v1.5", "--zoo-dir", t]);
    let o = check();
    assert!(!o.status.success());
    let text = stdout(&o);
    assert!(text.contains("network.svg is not current") && text.contains("README.md is not current"), "{text}");
    ok(zoo(&["manifests", "resnet18", "--variant", "v1.5", "--write", "--zoo-dir", t]));
    // The card's checksum table holds the golden output's SHA-256, which another CPU may round
    // differently: the pictures are compared byte for byte, the card for its sections.
    for f in ["network.svg", "layer-errors.svg"] {
        assert_eq!(read(&dir.join(f)), read(&committed.join(f)), "{f}");
    }
    assert!(read(&dir.join("README.md")).contains("## Evidence\n\nRecorded "));
    std::fs::remove_file(dir.join("evidence.json")).unwrap();
    let text = stdout(&check());
    assert!(
        text.contains("evidence.json missing: record it with `zoo card resnet18 --variant v1.5 --record`"),
        "{text}"
    );
}

#[test]
fn bad_card_and_draw_requests_are_one_line_errors() {
    fails_with(zoo(&["card", "--all"]), "--record or --check-evidence");
    fails_with(zoo(&["card", "nonet"]), "unknown model");
    let tmp = tempfile::tempdir().unwrap();
    let junk = tmp.path().join("junk.onnx");
    std::fs::write(&junk, b"not a model").unwrap();
    fails_with(zoo(&["draw", junk.to_str().unwrap()]), "is not an ONNX model");
    let json = tmp.path().join("x.json");
    std::fs::write(&json, "{\"a\": 1}").unwrap();
    fails_with(zoo(&["draw", "--errors", json.to_str().unwrap()]), "neither");
}
