//! The compiler: `zoo export --optimize` and `zoo compile --optimize`, checked by tools zoo did
//! not write (`tests/python/check_compiled.py`: onnx's full checker and strict shape inference,
//! ONNX Runtime on the unfolded reference with every optimization off, ONNX Runtime's own
//! BatchNorm fold), by `zoo verify` against the reference's golden data, and for byte-for-byte
//! reproducibility.

use std::path::Path;

use crate::support::{fails_with, json, ok, python_check, sha256_file, stdout, zoo};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Exports `model`/`variant` plain and `--optimize`, compiles the plain file, and checks both
/// compiled files. Returns the optimize export's JSON report.
fn compile_variant(model: &str, variant: &str, bn_left: usize) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let (plain, optimized, compiled) =
        (dir.path().join("plain.onnx"), dir.path().join("opt.onnx"), dir.path().join("compiled.onnx"));
    ok(zoo(&["export", model, "--variant", variant, "-o", p(&plain)]));
    let report = json(zoo(&["export", model, "--variant", variant, "--optimize", "-o", p(&optimized), "--json"]));
    let c = json(zoo(&["compile", p(&plain), "-o", p(&compiled), "--optimize", "--json"]));
    // Export-then-compile and export --optimize make the same tensors and the same graph; only
    // the provenance differs (model/variant vs the input file's SHA-256).
    assert_eq!(c["weights_sha256"], report["weights_sha256"], "{c}\n{report}");
    assert_eq!(c["passes"], report["passes"]);
    let bn = bn_left.to_string();
    for file in [&optimized, &compiled] {
        let r = python_check("check_compiled.py", &[p(file), "--reference", p(&plain), "--expect-bn", &bn]);
        assert_eq!(r["ok"], true, "{r}");
        // zoo verify applies the reference's golden data to the compiled file.
        let v = json(zoo(&["verify", p(file), "--json"]));
        let v = &v[0];
        assert_eq!(v["pass"], true, "{v}");
        let golden = v["comparisons"].as_array().unwrap().iter().filter(|c| c["against"] != "ort/cpu").count();
        assert_eq!(golden, 3, "ort, tract and OpenVINO all compared with golden data: {v}");
    }
    report
}

fn pass<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["passes"].as_array().unwrap().iter().find(|p| p["pass"] == name).unwrap()
}

#[test]
fn resnet18_folds_all_twenty_batch_norms() {
    let r = compile_variant("resnet18", "v1.5", 0);
    assert_eq!(pass(&r, "fold-batch-norm")["changed"].as_array().unwrap().len(), 20, "{r}");
    assert_eq!(pass(&r, "fold-batch-norm")["kept"].as_array().unwrap().len(), 0);
}

#[test]
fn googlenet_torchvision_folds_every_batch_norm_and_drops_dropout() {
    let r = compile_variant("googlenet", "torchvision", 0);
    // 57 BasicConv2d blocks (conv + BatchNorm each) in torchvision's GoogLeNet without aux heads.
    assert_eq!(pass(&r, "fold-batch-norm")["changed"].as_array().unwrap().len(), 57, "{r}");
    assert_eq!(pass(&r, "remove-identity")["changed"].as_array().unwrap().len(), 1, "{r}");
}

/// alexnet/bn puts BatchNorm after ReLU and pooling: nothing folds exactly, and each one is
/// reported with the op it follows. Its three Dropouts go.
#[test]
fn alexnet_bn_keeps_its_batch_norms_and_says_why() {
    let r = compile_variant("alexnet", "bn", 8);
    let fold = pass(&r, "fold-batch-norm");
    assert_eq!(fold["changed"].as_array().unwrap().len(), 0);
    let kept = fold["kept"].as_array().unwrap();
    assert_eq!(kept.len(), 8);
    assert_eq!(kept[0]["node"], "bn1");
    assert!(
        kept[0]["why"].as_str().unwrap().contains("comes from MaxPool `pool1`, not from a Conv, ConvTranspose or Gemm"),
        "{kept:?}"
    );
    assert_eq!(pass(&r, "remove-identity")["changed"].as_array().unwrap().len(), 3, "{r}");
}

#[test]
fn compiled_files_are_byte_reproducible_and_record_their_reference() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.onnx"), dir.path().join("b.onnx"));
    ok(zoo(&["export", "resnet18", "--optimize", "-o", p(&a)]));
    ok(zoo(&["export", "resnet18", "--optimize", "-o", p(&b)]));
    assert_eq!(sha256_file(&a), sha256_file(&b));
    let plain = dir.path().join("plain.onnx");
    ok(zoo(&["export", "resnet18", "-o", p(&plain)]));
    let (c, d) = (dir.path().join("c.onnx"), dir.path().join("d.onnx"));
    ok(zoo(&["compile", p(&plain), "-o", p(&c), "--optimize"]));
    ok(zoo(&["compile", p(&plain), "-o", p(&d), "--optimize"]));
    assert_eq!(sha256_file(&c), sha256_file(&d));

    let r = python_check("check_compiled.py", &[p(&c), "--reference", p(&plain), "--expect-bn", "0"]);
    let (m, reference) = (&r["metadata"], &r["reference_metadata"]);
    assert_eq!(m["zoo.passes"], "remove-identity,fold-batch-norm", "{r}");
    assert_eq!(m["zoo.reference.sha256"], sha256_file(&plain).as_str());
    assert_eq!(m["zoo.reference.weights.sha256"], reference["weights.sha256"]);
    assert_ne!(m["weights.sha256"], reference["weights.sha256"], "the folded weights differ");
    assert_eq!(m["zoo.version"], env!("CARGO_PKG_VERSION"));
    let e = python_check("check_compiled.py", &[p(&a), "--reference", p(&plain)]);
    assert_eq!(e["metadata"]["zoo.reference"], "resnet18/v1.5");
    assert_eq!(e["metadata"]["zoo.reference.weights.sha256"], reference["weights.sha256"]);
}

#[test]
fn bad_compile_inputs_fail_with_one_line_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.onnx");
    ok(zoo(&["export", "alexnet", "--variant", "torchvision", "-o", p(&plain)]));
    let out = dir.path().join("out.onnx");
    let o = p(&out);

    fails_with(
        zoo(&["compile", p(&plain), "-o", o]),
        "nothing to do: add --optimize, --precision fp16|int8 or --external-data",
    );
    fails_with(zoo(&["compile", p(&plain), "-o", p(&plain), "--optimize"]), "is the input file");
    fails_with(zoo(&["compile", "/no/such.onnx", "-o", o, "--optimize"]), "cannot read /no/such.onnx");

    let truncated = dir.path().join("truncated.onnx");
    let bytes = std::fs::read(&plain).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    fails_with(zoo(&["compile", p(&truncated), "-o", o, "--optimize"]), "is not an ONNX model");

    // An op zoo does not know is no longer a bad input: it is carried through, and said so.
    let shrink = dir.path().join("shrink.onnx");
    python_check("break_model.py", &[p(&plain), p(&shrink), "--op-type", "features.1", "Shrink"]);
    let carried = dir.path().join("shrink-optimized.onnx");
    let said = ok(zoo(&["compile", p(&shrink), "-o", p(&carried), "--optimize"]));
    assert!(said.contains("kept features.1: op `Shrink` carried through as the file wrote it"), "{said}");
    std::fs::remove_file(&carried).unwrap();

    fails_with(zoo(&["compile", p(&plain), "-o", "/no/such/dir/out.onnx", "--optimize"]), "cannot write");
    assert!(!out.exists());
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with(".zoo-")), "temporary files left: {names:?}");
}

/// Files other tools wrote (`foreign_models.py`: torch.onnx.export's `x.view(n, -1)` chain with
/// Constant nodes, a helper-made net with BatchNorm and a MatMul classifier, an ONNX Runtime
/// optimized file with contrib ops): compiled, and checked against their originals.
#[test]
fn other_exporters_files_compile_and_compute_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    python_check("foreign_models.py", &[p(d)]);
    let compile = |name: &str| {
        let (src, out) = (d.join(format!("{name}.onnx")), d.join(format!("{name}.opt.onnx")));
        let report = json(zoo(&["compile", p(&src), "-o", p(&out), "--optimize", "--json"]));
        let check = python_check("check_compiled.py", &[p(&out), "--reference", p(&src), "--expect-bn", "0"]);
        (report, check)
    };
    let (r, c) = compile("torch_style_dynamic");
    let chains = pass(&r, "fold-shape-chains");
    assert_eq!(chains["changed"], serde_json::json!(["/Reshape → Flatten(axis=1)"]), "{r}");
    assert!(
        !c["op_types"].as_array().unwrap().iter().any(|o| ["Shape", "Gather", "Concat"].contains(&o.as_str().unwrap()))
    );
    assert_eq!(c["metadata"]["zoo.passes"], "fold-shape-chains,remove-identity,fold-batch-norm");

    // zoo verify --reference: the compiled file against its original on the same inputs.
    let (opt, src) = (d.join("torch_style_dynamic.opt.onnx"), d.join("torch_style_dynamic.onnx"));
    let v = json(zoo(&["verify", p(&opt), "--reference", p(&src), "--json"]));
    let against_reference = v[0]["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["against"].as_str().unwrap().starts_with("reference"))
        .count();
    assert_eq!((v[0]["pass"].as_bool(), against_reference), (Some(true), 3), "ort, tract and OpenVINO: {v}");

    let (r, _) = compile("matmul_classifier");
    assert_eq!(pass(&r, "fold-batch-norm")["changed"], serde_json::json!(["bn → c1 (bias c1.b)"]), "{r}");
    // A compiled file that no longer computes what its reference does fails against it.
    let (opt, src, broken) =
        (d.join("matmul_classifier.opt.onnx"), d.join("matmul_classifier.onnx"), d.join("broken.onnx"));
    python_check("break_model.py", &[p(&opt), p(&broken), "--add-to", "c1.b", "0.05"]);
    let o = zoo(&["verify", p(&broken), "--reference", p(&src), "--json"]);
    assert!(!o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["pass"], false, "{v}");

    // ONNX Runtime's own contrib ops are carried through in their domain, and still compute
    // what they did.
    let src = d.join("ort_optimized.onnx");
    // (Not through `compile`: onnx's shape inference cannot see through contrib ops.)
    let out = d.join("ort_optimized.opt.onnx");
    let r = json(zoo(&["compile", p(&src), "-o", p(&out), "--optimize", "--json"]));
    let kept = pass(&r, "carry-through")["kept"].to_string();
    assert!(kept.contains("op `com.microsoft:FusedConv` carried through"), "{r}");
    let v = zoo(&["verify", p(&d.join("ort_optimized.opt.onnx")), "--reference", p(&src), "--runtime", "ort"]);
    assert!(v.status.success() && stdout(&v).contains(": PASS"), "{}", stdout(&v));

    // torch.onnx.export's dynamo pooling (ReduceMean over H, W), and two BatchNorms after
    // convolutions that share one deduplicated bias: every BatchNorm folds, into copies.
    for (keepdims, pool) in [
        (1, "node_mean (ReduceMean over H, W) → GlobalAveragePool"),
        (0, "node_mean (ReduceMean over H, W, keepdims 0) → GlobalAveragePool + Flatten"),
    ] {
        let (r, c) = compile(&format!("dynamo_style_keepdims{keepdims}"));
        assert_eq!(pass(&r, "reduce-mean-to-global-pool")["changed"], serde_json::json!([pool]), "{r}");
        assert_eq!(
            pass(&r, "fold-batch-norm")["changed"],
            serde_json::json!([
                "bn1 → c1 (bias c1.w.bias; the shared bias `zero_bias` copied)",
                "bn2 → c2 (bias zero_bias)"
            ]),
            "{r}"
        );
        assert!(
            !c["op_types"].as_array().unwrap().iter().any(|o| o == "ReduceMean" || o == "BatchNormalization"),
            "{c}"
        );
        if keepdims == 1 {
            let chains = &pass(&r, "fold-shape-chains")["changed"];
            assert_eq!(chains, &serde_json::json!(["node_view (Reshape to [-1, 8]) → Flatten(axis=1)"]), "{r}");
        }
    }
    // Any other reduction is named and carried, not guessed at.
    let src = d.join("dynamo_style_keepdims1.onnx");
    let bad = d.join("channel_mean.onnx");
    let mut m = std::fs::read(&src).unwrap();
    // The axes [-1, -2] → [1, -2]: the first int64 -1 (0xff × 8) of the axes tensor becomes 1.
    let at = m
        .windows(16)
        .position(|w| {
            w == [0xff; 8].iter().chain(&[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).copied().collect::<Vec<u8>>()
        })
        .unwrap();
    m[at..at + 8].copy_from_slice(&1i64.to_le_bytes());
    std::fs::write(&bad, m).unwrap();
    let out = d.join("channel_mean.opt.onnx");
    let r = json(zoo(&["compile", p(&bad), "-o", p(&out), "--optimize", "--json"]));
    let kept = pass(&r, "reduce-mean-to-global-pool")["kept"].to_string();
    assert!(kept.contains("node_mean") && kept.contains("ReduceMean over axes [1, -2]"), "{r}");
    let v = zoo(&["verify", p(&out), "--reference", p(&bad), "--runtime", "ort"]);
    assert!(v.status.success() && stdout(&v).contains(": PASS"), "{}", stdout(&v));
}

/// `--precision fp16`: bit for bit onnxconverter-common's conversion of the same fp32 file
/// (plain, and after --optimize), within fp16's derived bound of the fp32 reference on ONNX
/// Runtime, and `zoo verify` passes it against the reference's golden data.
#[test]
fn fp16_is_onnxconverter_commons_conversion_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let f = |n: &str| dir.path().join(n);
    let (plain, opt, half, opt_half) = (f("plain.onnx"), f("opt.onnx"), f("half.onnx"), f("opt-half.onnx"));
    ok(zoo(&["export", "resnet18", "-o", p(&plain)]));
    ok(zoo(&["export", "resnet18", "--optimize", "-o", p(&opt)]));
    let h = json(zoo(&["compile", p(&plain), "-o", p(&half), "--precision", "fp16", "--json"]));
    assert_eq!(h["fp16"]["saturated"], 0, "{h}");
    let e = json(zoo(&["export", "resnet18", "--optimize", "--precision", "fp16", "-o", p(&opt_half), "--json"]));
    assert_eq!(e["passes"].as_array().unwrap().len(), 3, "{e}");
    for (file, fp32, bn) in [(&half, &plain, "20"), (&opt_half, &opt, "0")] {
        let r = python_check(
            "check_compiled.py",
            &[p(file), "--reference", p(&plain), "--fp16-of", p(fp32), "--expect-bn", bn],
        );
        assert_eq!(r["fp16_oracle"]["differing"], serde_json::json!([]), "{r}");
        assert!(r["fp16_oracle"]["initializers_compared"].as_u64().unwrap() >= 40, "{r}");
        assert_eq!(r["metadata"]["zoo.precision"], "fp16");
        // tract runs fp16 files (zoo splits the Gemm tract-onnx refuses) but accumulates fp16
        // convolutions in fp16: verify skips it, saying so; OpenVINO verifies.
        let v = json(zoo(&["verify", p(file), "--json", "--runtime", "ort,tract,openvino"]));
        assert_eq!(v[0]["pass"], true, "{v}");
        assert!(v[0]["comparisons"].as_array().unwrap().iter().any(|c| c["runtime"] == "openvino/cpu"), "{v}");
        assert!(v[0]["skipped"].to_string().contains("sonos/tract#2588"), "{v}");
        let note = &v[0]["checks"][0];
        assert!(note[2].as_str().unwrap().contains("L = 18 layers"), "{note}");
        assert!(note[2].as_str().unwrap().contains("the weights only"), "{note}");
        // The fp32 reference's measured sensitivity, from the rebuilt default export.
        let checks = v[0]["checks"].to_string();
        assert!(checks.contains("fp16 sensitivity, batch 2") && checks.contains("u·max|r|"), "{checks}");
    }
    // Half the bytes of the weights.
    let size = |p: &Path| std::fs::metadata(p).unwrap().len() as f64;
    assert!((size(&opt_half) / size(&opt) - 0.5).abs() < 0.01);
}

/// `--io fp16`: float16 inputs and outputs; zoo's ONNX Runtime and OpenVINO runners feed and
/// read them (converted from and to f32), and agree.
#[test]
fn fp16_io_files_run_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("alexnet-fp16.onnx");
    let e = json(zoo(&["export", "alexnet", "--precision", "fp16", "--io", "fp16", "-o", p(&out), "--json"]));
    assert_eq!(pass(&e, "fp16-io")["changed"].as_array().unwrap().len(), 3, "{e}");
    let v = json(zoo(&["verify", p(&out), "--json", "--runtime", "ort,openvino"]));
    assert_eq!(v[0]["pass"], true, "{v}");
    let cmp = v[0]["comparisons"].as_array().unwrap();
    assert!(
        cmp.iter().any(|c| c["runtime"] == "openvino/cpu" && c["against"] == "ort/cpu" && c["pass"] == true),
        "{v}"
    );
    fails_with(zoo(&["export", "alexnet", "--io", "fp16", "-o", p(&out)]), "--io fp16 needs --precision fp16");
}

/// Values beyond fp16's range saturate to ±65504, are counted, and are warned about.
#[test]
fn fp16_overflow_saturates_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    python_check("foreign_models.py", &[p(d)]);
    let (src, big, out) = (d.join("matmul_classifier.onnx"), d.join("big.onnx"), d.join("half.onnx"));
    python_check("break_model.py", &[p(&src), p(&big), "--add-to", "fc.w", "1e6"]);
    let o = zoo(&["compile", p(&big), "-o", p(&out), "--precision", "fp16", "--json"]);
    let err = crate::support::stderr(&o);
    let r = json(o);
    // fc.w is [16, 10]: every element is now about 1e6.
    assert_eq!(r["fp16"]["saturated"], 160, "{r}");
    assert!(err.contains("160 weights exceed fp16's range and were saturated to ±65504"), "{err}");
}

/// `--external-data`: tensors of 1 KiB or more in `<name>.onnx.data` at 4 KiB-aligned offsets,
/// which onnx's checker, ONNX Runtime and tract load, with the same weights as the inline file.
#[test]
fn external_data_is_aligned_and_loads_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, ext) = (dir.path().join("plain.onnx"), dir.path().join("r18.onnx"));
    ok(zoo(&["export", "resnet18", "-o", p(&plain)]));
    let e = json(zoo(&["export", "resnet18", "--optimize", "--external-data", "-o", p(&ext), "--json"]));
    assert_eq!(e["external_data"]["location"], "r18.onnx.data", "{e}");
    // The weights are those the manifest pins for the inline --optimize export.
    assert_eq!(e["checked_against_manifest"], true, "{e}");
    let r = python_check("check_external.py", &[p(&ext), "--threshold", "1024"]);
    assert_eq!(r["ok"], true, "{r}");
    // 21 conv/fc weights and the 11 biases of ≥ 256 channels go out; the 10 smaller biases stay.
    assert_eq!((r["external"].as_u64(), r["inline"].as_u64()), (Some(32), Some(10)), "{r}");
    let c = python_check("check_compiled.py", &[p(&ext), "--reference", p(&plain), "--expect-bn", "0"]);
    assert_eq!(c["ok"], true, "{c}");
    let v = json(zoo(&["verify", p(&ext), "--json"]));
    assert_eq!(v[0]["pass"], true, "{v}");
    // Layer by layer too, against the inline file: the marked copies sit beside the model (their
    // tensors' locations are relative to it) and are gone afterwards.
    let before = std::fs::read_dir(dir.path()).unwrap().count();
    let l = json(zoo(&["verify", p(&ext), "--layers", "--reference", p(&plain), "--json"]));
    assert_eq!(l["pass"], true, "{l}");
    let runtimes: std::collections::BTreeSet<&str> =
        l["rows"].as_array().unwrap().iter().filter_map(|r| r["runtime"].as_str()).collect();
    assert!(runtimes.iter().any(|c| c.starts_with("openvino/cpu")), "{runtimes:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), before, "marked copies left behind");
    // compile reads external data and writes it inline again: the same weights.
    let inline = dir.path().join("inline.onnx");
    let i = json(zoo(&["compile", p(&ext), "-o", p(&inline), "--precision", "fp16", "--json"]));
    let pinned = json(zoo(&[
        "export",
        "resnet18",
        "--optimize",
        "--precision",
        "fp16",
        "-o",
        p(&dir.path().join("h.onnx")),
        "--json",
    ]));
    assert_eq!(i["weights_sha256"], pinned["weights_sha256"]);
}

/// External data that points outside the model's folder, through a symlink, or past the end
/// of its file is refused by every reader, naming the tensor; an existing side file zoo did not
/// write is never overwritten; a model past 2 GiB needs --external-data.
#[test]
fn hostile_external_data_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("m");
    std::fs::create_dir(&d).unwrap();
    let ext = d.join("a.onnx");
    ok(zoo(&["export", "alexnet", "--variant", "torchvision", "--external-data", "-o", p(&ext)]));
    // The files a hostile model points at live in a folder of their own, watched with inotify:
    // no reader may open (or read) anything there, whichever command and runtime.
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret"), vec![0u8; 1 << 20]).unwrap();
    std::os::unix::fs::symlink(outside.join("secret"), d.join("link.data")).unwrap();
    // A hard link is a name inside the folder for the file outside: only a watch on the file
    // itself (its inode) sees it read.
    std::fs::hard_link(outside.join("secret"), d.join("hard.data")).unwrap();
    let bad = d.join("bad.onnx");
    let out = d.join("out.onnx");
    let input = dir.path().join("input_0.pb");
    zoo_runtime::pb::write_tensor(&input, &zoo_runtime::Tensor::new("input", vec![1, 3, 224, 224], vec![0.0; 150528]))
        .unwrap();
    use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
    let watch = Inotify::init(InitFlags::IN_NONBLOCK).unwrap();
    watch.add_watch(&outside, AddWatchFlags::IN_OPEN | AddWatchFlags::IN_ACCESS).unwrap();
    watch.add_watch(&outside.join("secret"), AddWatchFlags::IN_OPEN | AddWatchFlags::IN_ACCESS).unwrap();
    for (mode, location, needle) in [
        ("--external-location", "../outside/secret", "is not a plain relative path inside the model's folder"),
        ("--external-location", "/etc/passwd", "is not a plain relative path inside the model's folder"),
        ("--external-location", "link.data", "is a symlink"),
        ("--external-location", "hard.data", "more than one hard link"),
        ("--external-location", "short.data", "truncated"),
        ("--external-location", "*/_ORT_MEM_ADDR_/*", "in-memory marker"),
        ("--external-entry", "length=1125899906842624", "not the tensor's"),
        ("--external-entry", "offset=18446744073709551615", "offset + length overflows"),
        ("--external-entry", "owner=me", "key `owner` is not one of"),
    ] {
        python_check("break_model.py", &[p(&ext), p(&bad), mode, "features.0.weight", location]);
        if location == "short.data" {
            std::fs::write(d.join("short.data"), [0u8; 100]).unwrap();
        }
        for cmd in [
            &["inspect", p(&bad)][..],
            &["verify", p(&bad)][..],
            &["compile", p(&bad), "-o", p(&out), "--optimize"][..],
            &["run", p(&bad), "--input", p(&input), "-o", p(&out)][..],
            &["run", p(&bad), "--input", p(&input), "-o", p(&out), "--runtime", "tract"][..],
            &["bench", p(&bad), "--batch", "1", "--iters", "1"][..],
            &["lint", p(&bad)][..],
        ] {
            let o = zoo(cmd);
            let err = crate::support::stderr(&o);
            assert!(err.contains("initializer `features.0.weight`"), "{cmd:?}: {err}");
            fails_with(o, needle);
        }
        assert!(!out.exists());
    }
    let opened = watch.read_events().map(|e| e.len()).unwrap_or(0);
    assert_eq!(opened, 0, "a reader opened a file outside the model's folder");
    // The watch does see an open through the symlink (so the check above can fail).
    drop(std::fs::read(d.join("link.data")).unwrap());
    assert!(watch.read_events().map(|e| e.len()).unwrap_or(0) > 0);

    let foreign = d.join("b.onnx");
    std::fs::write(d.join("b.onnx.data"), b"somebody else's file").unwrap();
    fails_with(
        zoo(&["export", "alexnet", "--variant", "torchvision", "--external-data", "-o", p(&foreign)]),
        "b.onnx.data exists and is not the data of a zoo model",
    );
    assert_eq!(std::fs::read(d.join("b.onnx.data")).unwrap(), b"somebody else's file");
    assert!(!foreign.exists());
    // Its own side file, zoo replaces.
    ok(zoo(&["export", "alexnet", "--variant", "torchvision", "--external-data", "-o", p(&ext)]));

    // VGG-19 with 150,000 classes holds 2.9 GB of weights: inline, protobuf cannot hold it.
    let big = d.join("big.onnx");
    fails_with(
        zoo(&["export", "vgg19", "--num-classes", "150000", "-o", p(&big)]),
        "above protobuf's 2 GiB limit: write its weights to a side file with --external-data",
    );
    let names: Vec<String> =
        std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with(".zoo-") && !n.starts_with("big")), "{names:?}");
}
