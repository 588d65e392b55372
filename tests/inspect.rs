//! `zoo inspect` and `zoo list`: the per-layer table, its JSON, and files zoo did not write.

use crate::support::{json, ok, python_check, zoo};

/// A count as the tables print it: 62378344 → "62,378,344".
fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Every (family, variant) of the catalogue, in its order.
fn catalogue() -> Vec<(&'static zoo_models::Family, &'static zoo_models::Variant)> {
    zoo_models::families().iter().flat_map(|f| f.variants.iter().map(move |v| (f, v))).collect()
}

#[test]
fn table_reads_like_the_lecture_notes() {
    let t = ok(zoo(&["inspect", "alexnet", "--variant", "lrn"]));
    let conv1 = t.lines().find(|l| l.starts_with("conv1 ")).expect("conv1 row");
    for cell in ["Conv", "11×11/4", "[N, 96, 55, 55]", "34,944", "105.4M"] {
        assert!(conv1.contains(cell), "{cell} missing from: {conv1}");
    }
    let norm1 = t.lines().find(|l| l.starts_with("norm1 ")).expect("norm1 row");
    assert!(norm1.contains("n=5 α=0.0005 β=0.75 k=2"), "{norm1}");
    let total = t.lines().find(|l| l.starts_with("total")).expect("totals");
    let published = zoo_models::find("alexnet", Some("lrn")).unwrap().1.published;
    let (params, gmacs) = (grouped(published.params), format!("{:.3}G", published.gmacs.unwrap()));
    assert!(total.contains(&params) && total.contains(&gmacs), "{params} {gmacs}: {total}");
}

#[test]
fn json_totals_match_published_counts() {
    for variant in ["bvlc", "bn"] {
        let published = zoo_models::find("alexnet", Some(variant)).unwrap().1.published;
        let (params, gmacs) = (published.params, published.gmacs.unwrap());
        let j = json(zoo(&["inspect", "alexnet", "--variant", variant, "--json"]));
        assert_eq!(j["totals"]["params"].as_u64(), Some(params));
        let g = j["totals"]["macs"].as_f64().unwrap() / 1e9;
        assert!((g - gmacs).abs() < 5e-4, "{variant}: {g}");
        assert_eq!(j["totals"]["unanalysed_nodes"].as_u64(), Some(0));
    }
}

/// The ONNX Model Zoo's light graphs (onnx 1.17.0's `backend/test/data/light/`, fetched by
/// `scripts/corpora`) hold their weights as ConstantOfShape stubs (the Gemm's reshaped): inspect
/// counts them, and the counts equal the published ones of the network each file is. VGG-19's
/// every shape is known, so its MACs are exact too.
#[test]
fn model_zoo_light_graphs_count_their_stub_weights() {
    let light = crate::support::root().join(".corpora/onnx-1.17.0/light");
    assert!(light.is_dir(), "{} is missing: run scripts/corpora (scripts/test does)", light.display());
    for (file, model, variant, macs) in [
        ("light_bvlc_alexnet.onnx", "alexnet", "bvlc", false),
        ("light_inception_v1.onnx", "googlenet", "paper", false),
        ("light_resnet50.onnx", "resnet50", "v1", false),
        ("light_vgg19.onnx", "vgg19", "plain", true),
    ] {
        let published = zoo_models::find(model, Some(variant)).unwrap().1.published;
        let j = json(zoo(&["inspect", light.join(file).to_str().unwrap(), "--json"]));
        assert_eq!(j["totals"]["params"].as_u64(), Some(published.params), "{file}: {}", j["totals"]);
        if macs {
            let g = j["totals"]["macs"].as_f64().unwrap() / 1e9;
            assert!((g - published.gmacs.unwrap()).abs() < 5e-4, "{file}: {g} GMACs");
        }
    }
}

#[test]
fn a_file_reads_like_the_model_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("tv.onnx");
    let p = f.to_str().unwrap();
    ok(zoo(&["export", "alexnet", "--variant", "torchvision", "--batch", "2", "-o", p]));
    let from_file = json(zoo(&["inspect", p, "--json"]));
    let from_model = json(zoo(&["inspect", "alexnet", "--variant", "torchvision", "--batch", "2", "--json"]));
    assert_eq!(from_file["layers"], from_model["layers"]);
    assert_eq!(from_file["totals"], from_model["totals"]);
    assert_eq!(from_file["metadata"]["variant"], "torchvision");
    assert_eq!(from_file["metadata"]["weights.seed"], "0");
}

/// Graphs written by onnx's Python helpers the way other exporters write them: no
/// value_info, MatMul + Add classifiers, Reshape fed by a Constant, dynamic Shape → Gather →
/// Concat → Reshape chains, ops zoo does not know, a custom domain. `inspect` must read them
/// and mark what it cannot analyse, never crash.
#[test]
fn files_from_other_exporters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let made = python_check("foreign_models.py", &[d]);
    let files = made["files"].as_array().expect("files list");
    assert!(!files.is_empty());
    for f in files {
        let path = f["path"].as_str().unwrap();
        let j = json(zoo(&["inspect", path, "--json"]));
        let text = ok(zoo(&["inspect", path]));
        assert!(text.contains("total"), "{text}");
        if let Some(p) = f["params"].as_u64() {
            assert_eq!(j["totals"]["params"].as_u64(), Some(p), "{path}");
        }
        if let Some(m) = f["macs"].as_u64() {
            assert_eq!(j["totals"]["macs"].as_u64(), Some(m), "{path}");
        }
        let unanalysed = j["totals"]["unanalysed_nodes"].as_u64().unwrap();
        assert_eq!(unanalysed > 0, f["has_unknown_ops"].as_bool().unwrap(), "{path}: {}", j["layers"]);
        // Shapes zoo infers agree with onnx's own shape inference wherever both exist.
        for (name, shape) in f["inferred"].as_object().unwrap() {
            let row = j["layers"].as_array().unwrap().iter().find(|r| r["name"] == *name);
            if let Some(row) = row
                && !row["output"].is_null()
            {
                assert_eq!(&row["output"]["shape"], shape, "{path}: {name}");
            }
        }
    }
}

/// `zoo list` shows each variant of the catalogue once, in its order, the first as the
/// default, with its published parameter count exactly and its GMACs to the published three
/// decimals (the counts are zoo's analysis of the built graph, not copies of the figures).
#[test]
fn list_shows_every_variant_with_its_published_counts() {
    let all = catalogue();
    let j = json(zoo(&["list", "--json"]));
    let rows = j.as_array().expect("a list");
    let listed: Vec<_> = rows.iter().map(|r| (r["model"].as_str().unwrap(), r["variant"].as_str().unwrap())).collect();
    let want: Vec<_> = all.iter().map(|(f, v)| (f.name, v.name)).collect();
    assert_eq!(listed, want);
    for ((f, v), r) in all.iter().zip(rows) {
        let p = v.published;
        assert_eq!(r["params"].as_u64(), Some(p.params), "{}/{}", f.name, v.name);
        let shown = &r["published"];
        assert_eq!(
            (shown["params"].as_u64(), shown["gmacs"].as_f64()),
            (Some(p.params), p.gmacs),
            "{}/{}",
            f.name,
            v.name
        );
        assert_eq!(shown["source"].as_str(), Some(p.source), "{}/{}", f.name, v.name);
        assert_eq!(r["default"].as_bool(), Some(v.name == f.default_variant().name), "{}/{}", f.name, v.name);
        if let Some(gmacs) = p.gmacs {
            let g = r["gmacs"].as_f64().unwrap();
            assert!((g - gmacs).abs() < 5e-4, "{}/{}: {g} GMACs, published {gmacs}", f.name, v.name);
        }
    }
    let t = ok(zoo(&["list"]));
    for (f, v) in &all {
        let row = t
            .lines()
            .find(|l| {
                let mut cells = l.split_whitespace();
                cells.next() == Some(f.name) && cells.next() == Some(v.name)
            })
            .unwrap_or_else(|| panic!("no row for {}/{}:\n{t}", f.name, v.name));
        let default = v.name == f.default_variant().name;
        assert_eq!(row.contains(&format!("{} (default)", v.name)), default, "{row}");
        assert!(row.contains(&format!(" {} ", grouped(v.published.params))), "{row}");
        if let Some(gmacs) = v.published.gmacs {
            assert!(row.contains(&format!(" {gmacs:.3} ")), "{row}");
        }
    }
}

/// Receptive fields derived by hand with the recurrence of Araujo et al. 2019 (r ← r + (k−1)·j,
/// j ← j·s, start ← start + ((k−1)/2 − p)·j, here as the left edge):
/// AlexNet (torchvision) 11/4 p2 → pool 3/2 → 5 p2 → pool → 3 p1 ×3 → pool: 195 px, jump 32;
/// VGG-16 conv5_3 (`features.28`): 196 px, jump 16; after pool5 (`features.30`): 212 px, jump 32.
#[test]
fn receptive_fields_and_peak_memory_match_hand_derivations() {
    let field = |j: &serde_json::Value, layer: &str| {
        let row =
            j["layers"].as_array().unwrap().iter().find(|r| r["name"] == layer).unwrap_or_else(|| panic!("{layer}"));
        let f = &row["receptive_field"];
        (f["size"][0].as_i64(), f["jump"][0].as_i64(), f["start"][0].as_i64())
    };
    let a = json(zoo(&["inspect", "alexnet", "--variant", "torchvision", "--json"]));
    assert_eq!(field(&a, "features.12"), (Some(195), Some(32), Some(-66)));
    assert_eq!(field(&a, "features.0"), (Some(11), Some(4), Some(-2)));
    // A chain holds at most one node's input and output at once: the peak is ReLU 1's
    // 64×55×55 in and out, 2 × 774,400 bytes per item (conv1's 602,112 + 774,400 is less).
    assert_eq!(a["totals"]["peak_live_activation_bytes"].as_u64(), Some(1_548_800));
    let v = json(zoo(&["inspect", "vgg16", "--json"]));
    assert_eq!(field(&v, "features.28"), (Some(196), Some(16), Some(-90)));
    assert_eq!(field(&v, "features.30"), (Some(212), Some(32), Some(-90)));
}

#[test]
fn lrn_alpha_is_shown_as_stored_and_as_the_paper_writes_it() {
    let t = ok(zoo(&["inspect", "alexnet", "--variant", "lrn"]));
    let norm1 = t.lines().find(|l| l.starts_with("norm1 ")).expect("norm1 row");
    assert!(norm1.contains("α=0.0005") && norm1.contains("paper α = α/n = 0.0001"), "{norm1}");
    assert!(t.contains("conventions:"), "{t}");
}

/// `--roofline`: AlexNet's fully connected layers are memory-bound at batch 1 (0.5 FLOP/B: their
/// weights are read for one image) and compute-bound at batch 512; its convolutions are
/// compute-bound at both. The machine is given, so the figures are exact.
#[test]
fn roofline_shows_which_layers_memory_bounds() {
    let run = |batch: &str| {
        json(zoo(&[
            "inspect",
            "alexnet",
            "--variant",
            "torchvision",
            "--roofline",
            "--roofline-batch",
            batch,
            "--peak-gflops",
            "208",
            "--bandwidth-gbs",
            "20",
            "--json",
        ]))
    };
    for (batch, fc_bound) in [("1", "memory"), ("512", "compute")] {
        let r = run(batch);
        assert_eq!(r["roofline"]["ridge_flop_per_byte"], 10.4, "{}", r["roofline"]);
        let mut total = 0.0;
        for l in r["layers"].as_array().unwrap() {
            let e = &l["roofline"];
            total += e["seconds"].as_f64().unwrap();
            let want = match l["op"].as_str().unwrap() {
                "Conv" => "compute",
                "Gemm" => fc_bound,
                _ => "memory",
            };
            assert_eq!(e["bound"], want, "batch {batch}: {l}");
            let t = (e["flops"].as_f64().unwrap() / 208e9).max(e["bytes"].as_f64().unwrap() / 20e9);
            assert!((e["seconds"].as_f64().unwrap() - t).abs() < 1e-12, "{l}");
        }
        assert!((r["roofline"]["total_seconds"].as_f64().unwrap() - total).abs() < 1e-9);
    }
    let one = run("1");
    let fc6 = &one["layers"].as_array().unwrap().iter().find(|l| l["name"] == "classifier.1").unwrap()["roofline"];
    assert!((fc6["flop_per_byte"].as_f64().unwrap() - 0.5).abs() < 0.01, "{fc6}");
    let text = ok(zoo(&["inspect", "alexnet", "--roofline", "--bandwidth-gbs", "20"]));
    assert!(text.contains("roofline ms") && text.contains("ridge 10.4 FLOP/B") && text.contains("(given)"), "{text}");
    crate::support::fails_with(zoo(&["inspect", "alexnet", "--roofline", "--bandwidth-gbs", "0"]), "--bandwidth-gbs 0");
    crate::support::fails_with(zoo(&["inspect", "alexnet", "--roofline-batch", "4"]), "--roofline");
}
