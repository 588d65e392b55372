//! Compiler benchmark (issue 7 §4), every figure a ratio against a peer measured in the same
//! run, blocks alternating so that drift on a shared machine hits both sides alike:
//! - `zoo export M --optimize` against the plain `zoo export M`: wall (target ≤ 1.2×) and peak
//!   RSS (target ≤ 1.2× the weight bytes);
//! - `zoo compile plain.onnx --optimize` against `cp plain.onnx` (target ≤ 3×), peak RSS against
//!   the file's size (target ≤ 1.3×); the same for the same file laid out as paddle2onnx writes
//!   its files, every weight a Constant node (issue 22 §7: speed and memory hold for foreign files);
//! - ONNX Runtime session creation on the `--optimize` file against the plain file, and batch-8
//!   throughput (target ≥ 1.0×).
//!
//! `cargo bench --bench compile -- [--model vgg16] [--variant bn] [--runs 5] [--session-model resnet50]`
//! needs ONNX Runtime's library (ORT_DYLIB_PATH, or the test virtualenv `scripts/test` makes).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use zoo_runtime::onnxruntime::{OrtOptions, OrtRunner};
use zoo_runtime::{Runner, Tensor};

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.into())
}

const ZOO: &str = env!("CARGO_BIN_EXE_zoo");

fn zoo() -> Command {
    Command::new(ZOO)
}

/// Wall time and peak RSS of one child process, through GNU time (`/usr/bin/time`): the
/// kernel's RUSAGE_CHILDREN keeps the largest child so far, which would hide a smaller one.
fn measure(program: &str, args: &[&str]) -> (Duration, u64) {
    // Flush what the previous command left dirty, so that its writeback is not billed to
    // this one's fsync.
    let _ = Command::new("sync").status();
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", program])
        .args(args)
        .stdout(std::process::Stdio::null())
        .output()
        .expect("/usr/bin/time (GNU time) is needed for peak RSS");
    let wall = t.elapsed();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{program} {args:?} failed: {text}");
    let rss_kib: u64 = text.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
    (wall, rss_kib * 1024)
}

/// The model at `from` as paddle2onnx lays it out: no initializers, every weight a Constant node.
fn as_constant_nodes(from: &str, to: &str) {
    use prost::Message;
    use zoo_proto::NodeProto;
    let bytes = std::fs::read(from).expect("read the plain file");
    let mut m = zoo_proto::ModelProto::decode(bytes.as_slice()).expect("decode the plain file");
    let g = m.graph.as_mut().expect("a graph");
    let consts: Vec<NodeProto> = g
        .initializer
        .drain(..)
        .map(|t| NodeProto {
            op_type: Some("Constant".into()),
            name: t.name.as_ref().map(|n| format!("{n}_const")),
            output: vec![t.name.clone().unwrap_or_default()],
            attribute: vec![zoo_graph::attr::tensor("value", t)],
            ..Default::default()
        })
        .collect();
    g.node.splice(0..0, consts);
    std::fs::write(to, m.encode_to_vec()).expect("write the Constant-node file");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Timed batch-8 runs per session (after one warm-up).
const RUNS_PER_SESSION: usize = 6;

fn ort() -> OrtOptions {
    OrtOptions { strict: true, profile: false, ..OrtOptions::default() }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model = arg(&args, "--model", "vgg16");
    let variant = arg(&args, "--variant", "bn");
    let runs: usize = arg(&args, "--runs", "5").parse().expect("--runs N");
    let session_model = arg(&args, "--session-model", "resnet50");
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |n: &str| dir.path().join(n).to_str().expect("utf-8 path").to_string();
    let (plain, opt, compiled, copy) = (p("plain.onnx"), p("opt.onnx"), p("compiled.onnx"), p("copy.onnx"));

    let mut rows = Vec::new();
    let (mut e_plain, mut e_opt, mut c_zoo, mut c_cp, mut c_cp_sync) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut rss_opt, mut rss_compile) = (0u64, 0u64);
    let constants = p("constants.onnx");
    let (mut f_zoo, mut f_cp, mut rss_foreign) = (vec![], vec![], 0u64);
    for k in 0..runs {
        let (t, _) = measure(ZOO, &["export", &model, "--variant", &variant, "-o", &plain]);
        e_plain.push(t.as_secs_f64());
        let (t, r) = measure(ZOO, &["export", &model, "--variant", &variant, "--optimize", "-o", &opt]);
        e_opt.push(t.as_secs_f64());
        rss_opt = rss_opt.max(r);
        let (t, r) = measure(ZOO, &["compile", &plain, "-o", &compiled, "--optimize"]);
        c_zoo.push(t.as_secs_f64());
        rss_compile = rss_compile.max(r);
        let (t, _) = measure("cp", &[&plain, &copy]);
        c_cp.push(t.as_secs_f64());
        // zoo syncs what it writes (crash safety); cp does not: a second peer that does.
        let (t, _) = measure("sh", &["-c", &format!("cp {plain} {copy} && sync {copy}")]);
        c_cp_sync.push(t.as_secs_f64());
        if k == 0 {
            as_constant_nodes(&plain, &constants);
        }
        let (t, r) = measure(ZOO, &["compile", &constants, "-o", &compiled, "--optimize"]);
        f_zoo.push(t.as_secs_f64());
        rss_foreign = rss_foreign.max(r);
        let (t, _) = measure("cp", &[&constants, &copy]);
        f_cp.push(t.as_secs_f64());
    }
    let file = std::fs::metadata(&plain).expect("plain file").len() as f64;
    let weights = std::fs::metadata(&opt).expect("opt file").len() as f64;
    let (ep, eo, cz, cc, cs) = (median(e_plain), median(e_opt), median(c_zoo), median(c_cp), median(c_cp_sync));
    rows.push(format!(
        "export {model}/{variant} --optimize vs plain export: {eo:.2} s / {ep:.2} s = {:.2}× (target ≤ 1.2×)",
        eo / ep
    ));
    rows.push(format!("export --optimize peak RSS / weight bytes: {:.2} (target ≤ 1.2)", rss_opt as f64 / weights));
    rows.push(format!(
        "compile --optimize vs cp of the {:.0} MB file: {cz:.2} s / {cc:.2} s = {:.2}× (target ≤ 3×)",
        file / 1e6,
        cz / cc
    ));
    rows.push(format!("compile --optimize vs cp + sync of the file: {cz:.2} s / {cs:.2} s = {:.2}×", cz / cs));
    rows.push(format!("compile peak RSS / file size: {:.2} (target ≤ 1.3)", rss_compile as f64 / file));
    let (fz, fc) = (median(f_zoo), median(f_cp));
    let foreign = std::fs::metadata(&constants).expect("constants file").len() as f64;
    rows.push(format!(
        "compile --optimize of the file with its weights in Constant nodes (paddle2onnx's layout) vs cp: {fz:.2} s / {fc:.2} s = {:.2}× (target ≤ 3×)",
        fz / fc
    ));
    rows.push(format!(
        "compile peak RSS / file size, Constant nodes: {:.2} (target ≤ 1.3)",
        rss_foreign as f64 / foreign
    ));

    // Session creation and throughput, plain vs --optimize, alternating.
    let (sp, so) = (p("s-plain.onnx"), p("s-opt.onnx"));
    assert!(zoo().args(["export", &session_model, "-o", &sp]).status().expect("export").success());
    assert!(zoo().args(["export", &session_model, "--optimize", "-o", &so]).status().expect("export").success());
    let input = Tensor::new("input", vec![8, 3, 224, 224], vec![0.5; 8 * 3 * 224 * 224]);
    let (mut create_p, mut create_o, mut run_p, mut run_o) = (vec![], vec![], vec![], vec![]);
    for k in 0..runs {
        let mut pair = [(&sp, &mut create_p, &mut run_p), (&so, &mut create_o, &mut run_o)];
        // Each file goes first in every other block, so that an order effect hits both alike.
        if k % 2 == 1 {
            pair.reverse();
        }
        for (path, create, run) in pair {
            let t = Instant::now();
            let (mut r, _) = OrtRunner::new(Path::new(path), &ort()).expect("session");
            create.push(t.elapsed().as_secs_f64());
            r.run(std::slice::from_ref(&input)).expect("warm-up");
            // Each run timed alone: the fastest is the least disturbed (the two files are the
            // same graph once ONNX Runtime has folded the plain file's BatchNorms, so what is
            // left is noise, ±2 % in medians of three).
            for _ in 0..RUNS_PER_SESSION {
                let t = Instant::now();
                r.run(std::slice::from_ref(&input)).expect("run");
                run.push(t.elapsed().as_secs_f64());
            }
        }
    }
    let (cp_, co) = (median(create_p), median(create_o));
    let fastest = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let (rp, ro) = (fastest(&run_p), fastest(&run_o));
    let (mp, mo) = (median(run_p), median(run_o));
    rows.push(format!(
        "ORT session creation {session_model}: --optimize {co:.3} s / plain {cp_:.3} s = {:.2}× (target ≤ torch's folded file; plain today 2–2.4× torch's)",
        co / cp_
    ));
    rows.push(format!(
        "ORT batch-8 throughput {session_model}: --optimize / plain = {:.3}× fastest runs, {:.3}× medians (target ≥ 1.0×)",
        rp / ro,
        mp / mo
    ));
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let flags: Vec<&str> = ["avx512f", "avx2", "fma"].into_iter().filter(|f| cpu.contains(f)).collect();
    println!("compile benchmark, {runs} runs each, medians; CPU features: {}", flags.join(" "));
    for r in rows {
        println!("  {r}");
    }
}
