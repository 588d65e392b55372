//! Every bad input: a one-line error naming the problem, a non-zero exit, nothing left behind.

use crate::support::{fails_with, zoo, zoo_in};

fn empty_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// A length-delimited protobuf field, encoded by prost: these tests write hostile files byte by
/// byte.
fn field(number: u32, payload: &[u8]) -> Vec<u8> {
    use prost::encoding::{WireType, encode_key, encode_varint};
    let mut out = Vec::with_capacity(payload.len() + 8);
    encode_key(number, WireType::LengthDelimited, &mut out);
    encode_varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

/// `count` empty messages as field `number` (empty nodes of a graph, attributes of a node).
fn empty_entries(number: u32, count: usize) -> Vec<u8> {
    field(number, &[]).repeat(count)
}

/// ModelProto { ir_version: 10, graph: `graph` }.
fn model_of_graph(graph: &[u8]) -> Vec<u8> {
    [vec![0x08, 10], field(7, graph)].concat()
}

fn assert_empty(dir: impl AsRef<std::path::Path>) {
    let dir = dir.as_ref();
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind in {}: {left:?}", dir.display());
}

#[test]
fn unknown_model_lists_the_valid_ones() {
    let d = empty_dir();
    fails_with(zoo_in(d.path(), &["export", "lenet"]), "unknown model `lenet`: zoo has alexnet");
    fails_with(zoo_in(d.path(), &["inspect", "lenet"]), "unknown model `lenet`");
    assert_empty(&d);
}

#[test]
fn unknown_variant_lists_the_valid_ones() {
    let d = empty_dir();
    fails_with(
        zoo_in(d.path(), &["export", "alexnet", "--variant", "caffe"]),
        "unknown variant `caffe` of alexnet: choose one of lrn, bvlc, bn, torchvision",
    );
    assert_empty(&d);
}

#[test]
fn invalid_option_values() {
    let d = empty_dir();
    for (args, needle) in [
        (&["--opset", "12"][..], "opset 12 is not supported: zoo emits opsets 13 through 21"),
        (&["--opset", "22"], "opset 22 is not supported"),
        (&["--opset", "x"], "`x` is not a number"),
        (&["--num-classes", "0"], "must be at least 1"),
        (&["--batch", "0"], "must be at least 1 (or `dynamic`)"),
        (&["--batch", "many"], "`many` is not a positive integer"),
        (&["--seed=-1"], "invalid value '-1' for '--seed <SEED>'"),
        (&["--frobnicate"], "--frobnicate"),
    ] {
        let mut all = vec!["export", "alexnet"];
        all.extend_from_slice(args);
        fails_with(zoo_in(d.path(), &all), needle);
    }
    assert_empty(&d);
}

#[test]
fn unwritable_output_path() {
    let d = empty_dir();
    let missing = d.path().join("no/such/folder/a.onnx");
    fails_with(zoo(&["export", "alexnet", "-o", missing.to_str().unwrap()]), "cannot write");
    // A regular file where a folder should be.
    std::fs::write(d.path().join("file"), b"x").unwrap();
    let under_file = d.path().join("file/a.onnx");
    fails_with(zoo(&["export", "alexnet", "-o", under_file.to_str().unwrap()]), "cannot write");
    // The output is an existing folder.
    fails_with(zoo(&["export", "alexnet", "-o", d.path().to_str().unwrap()]), "cannot write");
    std::fs::remove_file(d.path().join("file")).unwrap();
    assert_empty(&d);
}

/// A write that fails midway (a full disk; here a file-size limit, which any user can set:
/// `ulimit -f` with SIGXFSZ ignored makes the kernel fail the write with EFBIG) ends every
/// command that writes with one line naming the file and the fix, said once, and leaves
/// nothing: no temporary, no half-made side file, model folder or repository.
#[test]
fn a_write_that_fails_midway_leaves_nothing() {
    let d = empty_dir();
    let small = d.path().join("small");
    std::fs::create_dir(&small).unwrap();
    let r18 = small.join("r18.onnx");
    crate::support::ok(zoo(&["export", "resnet18", "-o", r18.to_str().unwrap()]));
    let (out, tmp) = (d.path().join("out"), d.path().join("tmp"));
    std::fs::create_dir(&out).unwrap();
    std::fs::create_dir(&tmp).unwrap();
    let r18 = r18.to_str().unwrap();
    // The model exported into TMPDIR before it is copied into the repository.
    let staged = format!("{}/", tmp.display());
    for (args, file) in [
        (&["export", "resnet18", "-o", "r.onnx"][..], "r.onnx"),
        (&["export", "vgg11", "--external-data", "-o", "v.onnx"], "v.onnx.data"),
        (&["compile", r18, "-o", "c.onnx", "--optimize"], "c.onnx"),
        (&["compile", r18, "-o", "c.onnx", "--external-data"], "c.onnx.data"),
        (&["weights", "resnet18", "-o", "w.safetensors"], "w.safetensors"),
        (&["bundle", "triton", r18, "-o", "repo"], "repo/r18/"),
        (&["bundle", "triton", "resnet18", "-o", "repo"], staged.as_str()),
    ] {
        // 4 MiB (bash counts `ulimit -f` in KiB): the files above are 47 MB (ResNet-18) to
        // 531 MB (VGG-11's side file).
        let script = "trap '' XFSZ; ulimit -f 4096; exec \"$0\" \"$@\"";
        let o = std::process::Command::new("bash")
            .args(["-c", script, env!("CARGO_BIN_EXE_zoo")])
            .args(args)
            .current_dir(&out)
            .env("TMPDIR", &tmp)
            .output()
            .unwrap();
        let err = crate::support::stderr(&o);
        fails_with(o, "File too large");
        assert!(err.contains(file) && err.contains("ulimit -f"), "{args:?}: {err}");
        assert_eq!(err.matches("File too large").count(), 1, "the cause said twice: {err}");
        assert_empty(&out);
        assert_empty(&tmp);
    }
}

#[test]
fn inspect_rejects_what_is_not_onnx() {
    let d = empty_dir();
    let text = d.path().join("notes.onnx");
    std::fs::write(&text, "this is not a protobuf\n").unwrap();
    fails_with(zoo(&["inspect", text.to_str().unwrap()]), "is not an ONNX model");
    let empty = d.path().join("empty.onnx");
    std::fs::write(&empty, b"").unwrap();
    fails_with(zoo(&["inspect", empty.to_str().unwrap()]), "is not an ONNX model");
    fails_with(zoo(&["inspect", d.path().join("missing.onnx").to_str().unwrap()]), "cannot read");
}

#[test]
fn inspect_rejects_a_truncated_file() {
    let d = empty_dir();
    let full = d.path().join("full.onnx");
    crate::support::ok(zoo(&["export", "alexnet", "--variant", "torchvision", "-o", full.to_str().unwrap()]));
    let bytes = std::fs::read(&full).unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 1, 1000] {
        let t = d.path().join(format!("cut{cut}.onnx"));
        std::fs::write(&t, &bytes[..cut]).unwrap();
        fails_with(zoo(&["inspect", t.to_str().unwrap()]), "is not an ONNX model");
    }
}

/// A graph output naming a value nothing computes (one flipped bit in its name) makes tract-onnx
/// 0.23.9 panic (`model.rs:187`, "no entry found for key"): zoo reports tract as failed, in one
/// line, and goes on; it never shows a panic.
#[test]
fn a_panic_inside_tract_is_reported_as_tract_failing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    crate::support::python_check("foreign_models.py", &[d]);
    let (src, bad) = (dir.path().join("matmul_classifier.onnx"), dir.path().join("bad.onnx"));
    crate::support::python_check(
        "break_model.py",
        &[src.to_str().unwrap(), bad.to_str().unwrap(), "--rename-output", "prob", "xrob"],
    );
    let o = crate::support::zoo(&["verify", bad.to_str().unwrap(), "--json"]);
    let err = crate::support::stderr(&o);
    assert!(!o.status.success());
    assert!(!err.contains("panicked at"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let skipped = v[0]["skipped"].to_string();
    assert!(skipped.contains("tract failed inside (it panicked: no entry found for key)"), "{skipped}");
    assert!(skipped.contains("ONNX Runtime"), "ONNX Runtime was still tried: {skipped}");
}

/// A file of a million and one empty nodes (2 MB) is refused before it is decoded, by every
/// reader, quickly and without the 250–500× memory growth decoding it would cost (20 MB of them
/// took `zoo inspect` to 10.4 GB and 46 s before the bound).
#[test]
fn a_graph_of_too_many_nodes_is_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = model_of_graph(&empty_entries(1, zoo_graph::wire_limits::MAX_ENTRIES + 1));
    let file = dir.path().join("nodes.onnx");
    std::fs::write(&file, &bytes).unwrap();
    let f = file.to_str().unwrap();
    let out = dir.path().join("out.onnx");
    let t = std::time::Instant::now();
    for cmd in [
        &["inspect", f][..],
        &["verify", f][..],
        &["lint", f][..],
        &["compile", f, "-o", out.to_str().unwrap(), "--optimize"][..],
        // zoo run checks the file before any runtime (or its input) is read.
        &["run", f, "--input", "/nonexistent/input_0.pb", "-o", out.to_str().unwrap()][..],
    ] {
        fails_with(zoo(cmd), "1000001 nodes");
    }
    assert!(!out.exists());
    assert!(t.elapsed() < std::time::Duration::from_secs(20), "{:?}", t.elapsed());
    // Under the count, over what decoding may cost: 300,000 empty nodes (0.6 MB) would take
    // 72 MB of NodeProtos, past 6× the file (and the 32 MiB every file may use).
    std::fs::write(&file, model_of_graph(&empty_entries(1, 300_000))).unwrap();
    for cmd in [&["inspect", f][..], &["verify", f][..], &["lint", f][..]] {
        fails_with(zoo(cmd), "MiB zoo allows for a file of 600006 bytes");
    }
}

/// One node with 650,000 empty attributes: 1.3 MB on disk, which the graph's entry count does
/// not see, and 1.08 GB decoded (19 MB of them took 15.9 GB and 54 s before).
#[test]
fn a_node_of_too_many_attributes_is_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    // ModelProto { ir_version: 10, graph (7): { node (1): { attribute (5) × 650,000 } } }
    let bytes = model_of_graph(&field(1, &empty_entries(5, 650_000)));
    let file = dir.path().join("attributes.onnx");
    std::fs::write(&file, &bytes).unwrap();
    let f = file.to_str().unwrap();
    let out = dir.path().join("out.onnx");
    for cmd in [&["inspect", f][..], &["compile", f, "-o", out.to_str().unwrap(), "--optimize"][..]] {
        fails_with(zoo(cmd), "MiB zoo allows for a file of");
    }
    assert!(!out.exists());
}

/// A file whose input alone is 43 GB ([1, 3, 60000, 60000] f32) aborted zoo verify on the
/// allocation; the floor of what a run costs is now checked first, against --max-memory or the
/// memory available, and the run refused naming the sizes.
#[test]
fn a_run_that_cannot_fit_is_refused_before_allocating() {
    use zoo_graph::ops::Relu;
    use zoo_graph::{Batch, Net, Opset, Seeded, image};
    let dir = tempfile::tempdir().unwrap();
    let mut net = Net::new("big", Opset::DEFAULT);
    let x = net.input("input", image(Batch::Fixed(1), 3, 60000, 60000)).unwrap();
    let y = net.layer("relu", x, Relu).unwrap();
    net.output(y, "y").unwrap();
    let file = dir.path().join("big.onnx");
    zoo_graph::write::write_file(&net.finish("big input", vec![]), &Seeded { seed: 0 }, &file, &Default::default())
        .unwrap();
    let f = file.to_str().unwrap();
    fails_with(zoo(&["verify", f, "--max-memory", "16G"]), "needs at least 80.5 GiB");
    // (Without --max-memory the limit is what the machine has free: not asserted, it varies.)
    // A real model within its bound runs; a batch past it does not.
    let o = zoo(&["verify", "alexnet", "--variant", "bvlc", "--max-memory", "2G", "--runtime", "ort"]);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    fails_with(zoo(&["verify", "vgg16", "--batch", "1000", "--max-memory", "4G"]), "at batch 1000 needs at least");
    fails_with(zoo(&["bench", f, "--batch", "1", "--max-memory", "16G"]), "needs at least 80.5 GiB");
    // zoo run checks the file's declared sizes too, before any runtime starts.
    let input = dir.path().join("input_0.pb");
    zoo_runtime::pb::write_tensor(&input, &zoo_runtime::Tensor::new("input", vec![1, 3, 2, 2], vec![0.0; 12])).unwrap();
    let out = dir.path().join("out");
    fails_with(
        zoo(&["run", f, "--input", input.to_str().unwrap(), "-o", out.to_str().unwrap(), "--max-memory", "16G"]),
        "needs at least 80.5 GiB",
    );
    assert!(!out.exists());
    fails_with(zoo(&["verify", "alexnet", "--max-memory", "lots"]), "is not a size");
}

/// A fault inside a runtime's native code ends only that runtime's worker process. The test
/// builds a stand-in "ONNX Runtime" whose entry point aborts (as a `std::terminate`, a failed
/// `new` or a segmentation fault inside the real one would end a process): zoo reports ONNX
/// Runtime as crashed, naming the signal and what the library last said, and still runs
/// tract against the golden data. Before runtimes ran in workers, the abort ended zoo itself.
#[test]
fn an_abort_inside_a_runtime_ends_only_its_worker() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("fake_ort.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\n#include <stdlib.h>\n\
         const void *OrtGetApiBase(void) { fputs(\"fake onnxruntime: aborting on purpose\\n\", stderr); abort(); }\n",
    )
    .unwrap();
    let lib = dir.path().join("libonnxruntime.so.1.31.1");
    let built = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-o", lib.to_str().unwrap(), src.to_str().unwrap()])
        .status()
        .expect("running cc");
    assert!(built.success());
    let o = zoo(&[
        "verify",
        "alexnet",
        "--variant",
        "bvlc",
        "--runtime",
        "ort,tract",
        "--ort-lib",
        lib.to_str().unwrap(),
        "--json",
    ]);
    let err = crate::support::stderr(&o);
    assert!(!err.contains("panicked") && !err.contains("core dumped"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {err}"));
    let skipped = v[0]["skipped"].to_string();
    assert!(skipped.contains("ONNX Runtime crashed: its worker process was killed by SIGABRT"), "{skipped}");
    assert!(skipped.contains("aborting on purpose"), "{skipped}");
    let ran: Vec<String> = v[0]["comparisons"].as_array().unwrap().iter().map(|c| c["runtime"].to_string()).collect();
    assert_eq!(ran, ["\"tract\""], "{v}");
    assert_eq!(v[0]["comparisons"][0]["pass"], true, "{v}");
    // `zoo run`, which has one runtime, fails in one line instead of aborting.
    let input = dir.path().join("input_0.pb");
    zoo_runtime::pb::write_tensor(
        &input,
        &zoo_runtime::Tensor::new("input", vec![1, 3, 227, 227], vec![0.0; 3 * 227 * 227]),
    )
    .unwrap();
    let model = dir.path().join("bvlc.onnx");
    crate::support::ok(zoo(&["export", "alexnet", "--variant", "bvlc", "-o", model.to_str().unwrap()]));
    fails_with(
        zoo(&[
            "run",
            model.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "-o",
            dir.path().join("out").to_str().unwrap(),
            "--ort-lib",
            lib.to_str().unwrap(),
        ]),
        "killed by SIGABRT",
    );
}

/// The worst file inside the decoding bound: 6 MB of weights and as many empty nodes as the
/// bound (6× the file) lets through. Peak memory of `inspect` and `verify`, measured by the
/// kernel over zoo and its workers (`tests/python/peak_rss.py`), stays under 50× the file's
/// size above what zoo takes for a tiny file; one node more and the file is refused.
#[test]
fn the_worst_file_inside_the_bound_stays_under_50x_its_size() {
    let dir = tempfile::tempdir().unwrap();
    // TensorProto { dims: [n], data_type: FLOAT, name: "w", raw_data }
    let tensor = |n: usize| {
        let mut t = vec![0x08];
        prost::encoding::encode_varint(n as u64, &mut t);
        t.extend([0x10, 1]);
        [t, field(8, b"w"), field(9, &vec![0u8; 4 * n])].concat()
    };
    // ModelProto { ir_version: 10, graph: { initializer, node × k } }
    let model = |n: usize, k: usize| model_of_graph(&[field(5, &tensor(n)), empty_entries(1, k)].concat());
    let inside = |bytes: &[u8]| {
        zoo_graph::wire_limits::structure_bytes(bytes)
            .is_some_and(|b| b <= zoo_graph::wire_limits::structure_limit(bytes.len() as u64))
    };
    let n = 1_500_000;
    let (mut lo, mut hi) = (0, zoo_graph::wire_limits::MAX_ENTRIES);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if inside(&model(n, mid)) { lo = mid } else { hi = mid - 1 }
    }
    let worst = model(n, lo);
    assert!(lo > 50_000, "only {lo} nodes fit");
    let (file, tiny, over) =
        (dir.path().join("worst.onnx"), dir.path().join("tiny.onnx"), dir.path().join("over.onnx"));
    std::fs::write(&file, &worst).unwrap();
    std::fs::write(&tiny, model(1, 0)).unwrap();
    std::fs::write(&over, model(n, lo + 1)).unwrap();
    fails_with(zoo(&["inspect", over.to_str().unwrap()]), "MiB zoo allows for a file of");

    let peak = |args: &[&str]| {
        let mut all = vec![env!("CARGO_BIN_EXE_zoo")];
        all.extend(args);
        let r = crate::support::python_check("peak_rss.py", &all);
        assert!(r["returncode"].as_i64().unwrap() >= 0, "killed by a signal: {args:?} {r}");
        r["peak_rss_bytes"].as_u64().unwrap()
    };
    let base = peak(&["inspect", tiny.to_str().unwrap()]);
    let size = worst.len() as u64;
    for cmd in ["inspect", "verify"] {
        let rss = peak(&[cmd, file.to_str().unwrap()]);
        let ratio = rss.saturating_sub(base) as f64 / size as f64;
        eprintln!(
            "{cmd}: {lo} empty nodes + {n} weights, {size} bytes: peak {rss} B, {ratio:.1}× the file above a tiny file's {base} B"
        );
        assert!(ratio <= 50.0, "{cmd}: {ratio:.1}× the file's {size} bytes ({rss} B peak, {base} B for a tiny file)");
    }
}
