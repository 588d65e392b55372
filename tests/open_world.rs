//! Other people's files, as other exporters write them (`tests/python/open_world.py`): what
//! `run`, `bundle triton` and `verify` say about them is true and usable.

use std::path::PathBuf;

use crate::support::{ok, python_check, stderr, stdout, zoo};

fn files(dir: &std::path::Path) -> impl Fn(&str) -> String {
    let made = python_check("open_world.py", &[dir.to_str().unwrap()]);
    move |name: &str| made["files"][name].as_str().unwrap().to_string()
}

/// TensorProto files without a name are the graph's inputs in order, as `--input` says.
#[test]
fn run_takes_unnamed_tensors_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let out = dir.path().join("out");
    ok(zoo(&["run", &f("conv_two_inputs"), "--input", &f("X.pb"), "--input", &f("W.pb"), "-o", out.to_str().unwrap()]));
    let got = zoo_runtime::pb::read_tensor(&out.join("output_0.pb")).unwrap();
    let want = zoo_runtime::pb::read_tensor(&PathBuf::from(f("Y.pb"))).unwrap();
    let m =
        zoo_runtime::compare::compare(&got, &want, zoo_runtime::compare::Tolerance { atol: 0.0, rtol: 0.0 }).unwrap();
    assert!(m.pass, "{m:?}");
    // One tensor too many is one line naming the inputs.
    let (x, w, o) = (f("X.pb"), f("W.pb"), out.to_str().unwrap().to_string());
    let o = zoo(&["run", &f("conv_two_inputs"), "--input", &x, "--input", &w, "--input", &x, "-o", &o]);
    assert!(!o.status.success() && stderr(&o).contains("the model takes 2 (X, W)"), "{}", stderr(&o));
}

/// A dimension written as -1 (tf2onnx's dynamic marker) is Triton's -1, not an error.
#[test]
fn bundle_takes_minus_one_as_a_dynamic_dimension() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let repo = dir.path().join("repo");
    ok(zoo(&["bundle", "triton", &f("detector_minus1"), "-o", repo.to_str().unwrap()]));
    let config = std::fs::read_to_string(repo.join("detector_minus1/config.pbtxt")).unwrap();
    assert!(config.contains("dims: [ 3, -1, -1 ]") && config.contains("dims: [ 1, -1, -1 ]"), "{config}");
}

/// A fixed-batch file without golden data: the report does not mention golden data it skipped.
#[test]
fn verify_lines_agree_with_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let o = zoo(&["verify", &f("classifier_b1"), "--runtime", "ort,tract"]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}{}", stderr(&o));
    assert!(text.contains("fixes batch 1: fed 1 item(s)") && !text.contains("golden data sliced"), "{text}");
    assert!(text.contains("skip golden"), "{text}");
}

/// Every graph input fed (a node test's weights given as inputs), symbolic dimensions bound by
/// `--shape`, and what verify cannot feed or read refused in one line naming it.
#[test]
fn verify_feeds_every_input_and_binds_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let o = zoo(&["verify", &f("conv_two_inputs"), "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(o.status.success(), "{r}{}", stderr(&o));
    let compared: Vec<&str> =
        r[0]["comparisons"].as_array().unwrap().iter().map(|c| c["runtime"].as_str().unwrap()).collect();
    assert!(compared.contains(&"tract") && compared.iter().any(|c| c.starts_with("openvino")), "{r}");

    let o = zoo(&["verify", &f("detector"), "--runtime", "ort,tract"]);
    assert!(!o.status.success() && stderr(&o).contains("give them with --shape x="), "{}", stderr(&o));
    let o = zoo(&["verify", &f("detector"), "--runtime", "ort,tract", "--shape", "x=1,3,40,24", "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(o.status.success(), "{r}{}", stderr(&o));
    assert_eq!(r[0]["comparisons"][0]["batch"], 2, "{r}");
    // The shape of an --inputs tensor binds them as --shape does.
    let given = dir.path().join("given");
    std::fs::create_dir(&given).unwrap();
    let x = zoo_runtime::Tensor::new("x", vec![2, 3, 40, 24], (0..5760).map(|i| (i % 17) as f32 / 17.0).collect());
    zoo_runtime::pb::write_tensor(&given.join("input_0.pb"), &x).unwrap();
    let o = zoo(&["verify", &f("detector"), "--runtime", "ort,tract", "--inputs", given.to_str().unwrap()]);
    assert!(o.status.success() && stdout(&o).contains("2 inputs from"), "{}{}", stdout(&o), stderr(&o));
    let o = zoo(&["verify", &f("detector"), "--shape", "x=1,1,40,24"]);
    assert!(!o.status.success() && stderr(&o).contains("contradicts input `x`"), "{}", stderr(&o));
    let o = zoo(&["verify", &f("detector"), "--shape", "image=1,3,40,24"]);
    assert!(!o.status.success() && stderr(&o).contains("(its inputs: x)"), "{}", stderr(&o));

    // An ArgMax's INT64 labels are compared exactly, on every runtime.
    let o = zoo(&["verify", &f("classifier_argmax"), "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(o.status.success(), "{r}{}", stderr(&o));
    let labels: Vec<&serde_json::Value> =
        r[0]["comparisons"].as_array().unwrap().iter().filter(|c| c["output"] == "label").collect();
    assert_eq!(labels.len(), 2, "tract and OpenVINO against ONNX Runtime: {r}");
    assert!(labels.iter().all(|c| c["tolerance"]["atol"] == 0.0 && c["tolerance"]["rtol"] == 0.0), "{r}");
}

/// onnx's node tests with integer and boolean inputs and outputs, run from their own test data
/// set (`--inputs test_data_set_0`): every input fed from its file, every output compared with
/// the expected one (integers exactly) on ONNX Runtime, tract and OpenVINO; an expected value
/// off by one fails; an integer input without a file is one error naming it and the flag.
#[test]
fn verify_runs_node_tests_with_integer_tensors_from_their_own_data() {
    let node = crate::support::root().join(".corpora/onnx-1.17.0/node");
    assert!(node.is_dir(), "{} is missing: run scripts/corpora (scripts/test does)", node.display());
    let t = |name: &str| (node.join(name).join("model.onnx"), node.join(name).join("test_data_set_0"));
    for name in ["test_argmax_default_axis_example", "test_gather_0", "test_where_example", "test_equal", "test_shape"]
    {
        let (model, data) = t(name);
        let o = zoo(&["verify", model.to_str().unwrap(), "--inputs", data.to_str().unwrap(), "--json"]);
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(o.status.success(), "{name}: {r}{}", stderr(&o));
        let against_expected: Vec<&str> = r[0]["comparisons"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["against"] == "expected output_0.pb" && c["pass"] == true)
            .map(|c| c["runtime"].as_str().unwrap())
            .collect();
        assert_eq!(against_expected.len(), 3, "{name}: ort, tract and OpenVINO against the expected output: {r}");
    }

    // The expected labels with one moved by one: every runtime fails against them.
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = t("test_argmax_default_axis_example");
    std::fs::copy(data.join("input_0.pb"), dir.path().join("input_0.pb")).unwrap();
    let mut y = zoo_runtime::pb::read_tensor(&data.join("output_0.pb")).unwrap();
    y.ints.as_mut().unwrap().values[0] += 1;
    zoo_runtime::pb::write_tensor(&dir.path().join("output_0.pb"), &y).unwrap();
    let o = zoo(&["verify", model.to_str().unwrap(), "--inputs", dir.path().to_str().unwrap()]);
    assert!(!o.status.success() && stdout(&o).contains("expected output_0.pb"), "{}{}", stdout(&o), stderr(&o));

    // Gather's INT64 indices: not drawn, and not taken from a float file.
    let (model, data) = t("test_gather_0");
    let o = zoo(&["verify", model.to_str().unwrap()]);
    assert!(
        !o.status.success() && stderr(&o).contains("input `indices`") && stderr(&o).contains("--inputs DIR"),
        "{}",
        stderr(&o)
    );
    let wrong = tempfile::tempdir().unwrap();
    std::fs::copy(data.join("input_0.pb"), wrong.path().join("input_0.pb")).unwrap();
    let floats = zoo_runtime::Tensor::new("indices", vec![3], vec![0.0, 1.0, 2.0]);
    zoo_runtime::pb::write_tensor(&wrong.path().join("input_1.pb"), &floats).unwrap();
    let o = zoo(&["verify", model.to_str().unwrap(), "--inputs", wrong.path().to_str().unwrap()]);
    assert!(
        !o.status.success() && stderr(&o).contains("holds FLOAT values, but input `indices` is INT64"),
        "{}",
        stderr(&o)
    );

    // `zoo run` feeds and writes integer tensors too: Gather's output equals the expected one.
    let out = dir.path().join("run");
    let (i0, i1) = (data.join("input_0.pb"), data.join("input_1.pb"));
    ok(zoo(&[
        "run",
        model.to_str().unwrap(),
        "--input",
        i0.to_str().unwrap(),
        "--input",
        i1.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let got = zoo_runtime::pb::read_tensor(&out.join("output_0.pb")).unwrap();
    let want = zoo_runtime::pb::read_tensor(&data.join("output_0.pb")).unwrap();
    assert_eq!((got.shape, got.data), (want.shape, want.data));
}

/// Weights in Constant nodes and recurrent layers count as parameters; a constant has no batch
/// dimension; MACs zoo cannot know make the total a lower bound, never a total.
#[test]
fn inspect_counts_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let made = python_check("open_world.py", &[dir.path().to_str().unwrap()]);
    let inspect = |name: &str| crate::support::json(zoo(&["inspect", made["files"][name].as_str().unwrap(), "--json"]));
    for name in ["classifier", "detector", "lstm"] {
        let j = inspect(name);
        assert_eq!(j["totals"]["params"], made["params"][name], "{name}: {}", j["totals"]);
    }
    let j = inspect("classifier");
    let w1 = j["layers"].as_array().unwrap().iter().find(|r| r["name"] == "w1_const").unwrap();
    assert_eq!(w1["activation_bytes"], 0, "{w1}");
    // conv 8·27 per pixel of 32×32, fc 8·2: every MAC known.
    assert_eq!(j["totals"]["macs"], 8 * 27 * 32 * 32 + 16, "{}", j["totals"]);

    // 25 steps × (|W| + |R|) per sequence.
    let j = inspect("lstm");
    assert_eq!(j["totals"]["macs"], 25 * (2 * 192 * 32 + 2 * 192 * 48), "{}", j["totals"]);
    let j = inspect("lstm_dynamic");
    assert!(j["totals"]["macs"].is_null() && j["totals"]["macs_unknown_nodes"] == 1, "{}", j["totals"]);
    let text = ok(zoo(&["inspect", made["files"]["lstm_dynamic"].as_str().unwrap()]));
    assert!(text.contains("≥ 0 (1 ?)"), "{text}");
    let svg = dir.path().join("lstm.svg");
    ok(zoo(&["draw", made["files"]["lstm_dynamic"].as_str().unwrap(), "-o", svg.to_str().unwrap()]));
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(drawn.contains("≥ 0 MACs (1 node of unknown MACs)"), "{drawn}");
}

/// A graph of 12,000 nodes gets the load budget (10 s + 0.1 ms per node), says so, and still
/// verifies where the runtimes load it within it. (The 100,000-node chain: `scripts/big-graph`.)
#[test]
fn large_graphs_get_a_load_budget_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let o = zoo(&["verify", &f("relu_chain"), "--runtime", "ort,tract"]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}{}", stderr(&o));
    assert!(text.contains("load budget: a graph of 12000 nodes: each runtime gets 11 s"), "{text}");
    // A timeout the user gives is theirs.
    let text = stdout(&zoo(&["verify", &f("relu_chain"), "--runtime", "ort,tract", "--timeout", "300"]));
    assert!(!text.contains("load budget"), "{text}");
}

/// A network inside an If (its condition computed from the input's shape) is drawn as one block
/// named with its bodies' sizes, and its weights count; its MACs are unknown, not 0.
#[test]
fn control_flow_bodies_are_named_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let j = crate::support::json(zoo(&["inspect", &f("branchy"), "--json"]));
    let branch = j["layers"].as_array().unwrap().iter().find(|r| r["name"] == "branch").unwrap();
    assert!(branch["detail"].as_str().unwrap().contains("then_branch 3 nodes (1 Conv/Gemm/MatMul)"), "{branch}");
    assert_eq!(j["totals"]["params"], 4 * 27, "{}", j["totals"]);
    assert!(j["totals"]["macs"].is_null(), "{}", j["totals"]);
    let svg = dir.path().join("branchy.svg");
    ok(zoo(&["draw", &f("branchy"), "-o", svg.to_str().unwrap()]));
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(drawn.contains("If: else_branch 1 nodes") && drawn.contains("108 parameters"), "{drawn}");
}

/// `--shape` makes inspect and draw count a run at that shape: the detector's MACs at 64×64.
#[test]
fn inspect_and_draw_use_bound_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let j = crate::support::json(zoo(&["inspect", &f("detector"), "--shape", "x=1,3,64,64", "--json"]));
    // conv1 4·27 and conv2 1·4 MACs per pixel of 64×64.
    assert_eq!(j["totals"]["macs"], (4 * 27 + 4) * 64 * 64, "{}", j["totals"]);
    let j = crate::support::json(zoo(&["inspect", &f("detector"), "--json"]));
    assert!(j["totals"]["macs"].is_null(), "{}", j["totals"]);
    let svg = dir.path().join("d.svg");
    ok(zoo(&["draw", &f("detector"), "--shape", "x=1,3,64,64", "-o", svg.to_str().unwrap()]));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("458,752 MACs per image"));
    let o = zoo(&["inspect", &f("detector"), "--shape", "x=1,1,64,64"]);
    assert!(!o.status.success() && stderr(&o).contains("contradicts input `x`"), "{}", stderr(&o));
}

/// The new paths under hostile input — shapes given on the command line, integer outputs,
/// Constant-node weights that lie about their size, control flow — end in one line on stderr
/// and a non-zero exit, or succeed; never a panic or a signal.
#[test]
fn hostile_inputs_on_the_new_paths_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let (detector, hostile, branchy, argmax) =
        (f("detector"), f("hostile_constant"), f("branchy"), f("classifier_argmax"));
    let cases: Vec<Vec<&str>> = vec![
        vec!["verify", &detector, "--shape", "x="],
        vec!["verify", &detector, "--shape", "=1,3,8,8"],
        vec!["verify", &detector, "--shape", "x=0,3,8,8"],
        vec!["verify", &detector, "--shape", "x=99999999999999999999999,3,8,8"],
        vec!["verify", &detector, "--shape", "x=1,3,100000,100000"],
        vec!["inspect", &detector, "--shape", "x=1,3,4000000000,4000000000"],
        vec!["diff", &detector, &detector, "--shape", "x=1,3"],
        vec!["verify", &argmax],
        vec!["inspect", &hostile],
        vec!["draw", &hostile],
        vec!["diff", &hostile, &detector],
        vec!["verify", &hostile, "--shape", "x=1,3,8,8"],
        vec!["lint", &hostile],
        vec!["verify", &branchy, "--runtime", "ort"],
        vec!["diff", &branchy, &branchy],
        vec!["lint", &branchy],
    ];
    for args in cases {
        let o = zoo(&args);
        let err = stderr(&o);
        assert!(o.status.code().is_some_and(|c| c == 0 || c == 1 || c == 2), "{args:?}: {:?}\n{err}", o.status);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        if !o.status.success() {
            let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 1, "{args:?}: {err}");
        }
    }
}

/// torch.onnx.export's own files of one network (`tests/fixtures/torch-export/`, seven exports:
/// TorchScript at opsets 9 to 17, unfolded, dynamic axes, dynamo): inspect counts PyTorch's
/// 2,386 parameters in the unfolded file (its BatchNorm scales read through Identity nodes,
/// as torch shares equal tensors) and 2,290 in each folded one (2,386 − 192 BatchNorm scales
/// and shifts + 96 folded conv biases); diff finds every export equivalent to the opset-17 one;
/// verify runs the dynamic one from a tensor file, its shape binding height and width.
#[test]
fn torch_exports_of_one_network_diff_inspect_and_verify_as_one() {
    let fixtures = crate::support::root().join("tests/fixtures/torch-export");
    let f = |name: &str| fixtures.join(format!("{name}.onnx")).to_str().unwrap().to_string();
    let names = [
        "mobile_opset9",
        "mobile_opset11",
        "mobile_opset13",
        "mobile_opset13_unfolded",
        "mobile_opset17_dynamic",
        "mobile_dynamo",
    ];
    for name in names.iter().chain(&["mobile_opset17"]) {
        let j = crate::support::json(zoo(&["inspect", &f(name), "--json"]));
        let want = if *name == "mobile_opset13_unfolded" { 2386 } else { 2290 };
        assert_eq!(j["totals"]["params"], want, "{name}: {}", j["totals"]);
    }
    for name in names {
        let o = zoo(&["diff", &f(name), &f("mobile_opset17")]);
        assert!(o.status.success() && stdout(&o).contains("\nequivalent:"), "{name}: {}{}", stdout(&o), stderr(&o));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures.join("input.pb"), dir.path().join("input_0.pb")).unwrap();
    let o = zoo(&["verify", &f("mobile_opset17_dynamic"), "--inputs", dir.path().to_str().unwrap(), "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(o.status.success(), "{r}{}", stderr(&o));
    assert_eq!(r[0]["comparisons"].as_array().unwrap().len(), 2, "tract and OpenVINO against ONNX Runtime: {r}");
}

/// The compiler carries what it does not know (com.microsoft's Gelu, a Shrink without a declared
/// type, an If whose branches read the outer graph's values) beside a Resize it knows: every
/// form compiles, the carried nodes come out as the file wrote them, fp16 leaves them float32
/// and converts the Resize but for its scales (float32 by the op's type constraint), the IR version the file was stamped with (14, which ONNX Runtime refuses) is
/// lowered to its opset's, and each output computes what the original does on the runtimes.
#[test]
fn compile_carries_what_it_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let (stamped, reference) = (f("mixed_ir14"), f("mixed"));
    for (name, args) in [
        ("optimized", &["--optimize"][..]),
        ("fp16", &["--optimize", "--precision", "fp16"][..]),
        ("fp16io", &["--precision", "fp16", "--io", "fp16"][..]),
        ("int8", &["--precision", "int8", "--int8", "tensorrt"][..]),
    ] {
        let out = dir.path().join(format!("{name}.onnx"));
        let o = zoo(&[&["compile", &stamped, "-o", out.to_str().unwrap()], args].concat());
        ok(o.clone());
        let report = stdout(&o);
        // The lowering is reported (its line is in --json; the text report counts it).
        assert!(report.contains("ir-version        1 rewritten"), "{report}");
        assert!(report.contains("carry-through"), "{report}");
        let checked = python_check("check_carried.py", &[out.to_str().unwrap()]);
        assert_eq!(checked["ir_version"], 8, "{name}: {checked}");
        assert_eq!(checked["imports"]["com.microsoft"], 1, "{name}: {checked}");
        assert_eq!(checked["checker"], "ok", "{name}: {checked}");
        let carried = &checked["carried"];
        assert_eq!(carried["Gelu"]["domain"], "com.microsoft", "{name}: {checked}");
        for op in ["Gelu", "Shrink", "If"] {
            let reads = carried[op]["reads"].as_object().unwrap_or_else(|| panic!("{name}: {op} is gone: {checked}"));
            for (v, t) in reads {
                // What the carried nodes read stays float32 (or is not float at all).
                assert!(t != "float16", "{name}: {op} reads `{v}` as float16: {checked}");
            }
        }
        // Resize is zoo's: it computes in fp16, but its scales are float32 by its type constraint.
        assert_eq!(carried["Resize"]["reads"]["scales"], "float32", "{name}: {checked}");
        let data = if name.starts_with("fp16") { "float16" } else { "float32" };
        assert_eq!(carried["Resize"]["reads"]["r"], data, "{name}: {checked}");
        assert_eq!(carried["If"]["reads"]["wt"], "float32", "{name}: the If's captured weight: {checked}");
        let v = zoo(&["verify", out.to_str().unwrap(), "--reference", &reference, "--runtime", "ort,tract"]);
        ok(v.clone());
        assert!(stdout(&v).contains(": PASS"), "{name}: {}", stdout(&v));
    }
    // The original as stamped does not load in ONNX Runtime; that is what the lowering is for.
    let o = zoo(&["verify", &stamped, "--runtime", "ort"]);
    let said = stdout(&o) + &stderr(&o);
    assert!(!o.status.success() && said.contains("IR version"), "{said}");
    // The recurrent layer compiles and verifies too; the shape-conditioned If compiles with its
    // branches as they were (its output has no shape in the file, which verify cannot take yet).
    let out = dir.path().join("lstm-fp16.onnx");
    ok(zoo(&["compile", &f("lstm"), "-o", out.to_str().unwrap(), "--precision", "fp16"]));
    let v =
        zoo(&["verify", out.to_str().unwrap(), "--reference", &f("lstm"), "--runtime", "ort", "--shape", "x=25,1,32"]);
    ok(v.clone());
    assert!(stdout(&v).contains(": PASS"), "{}", stdout(&v));
    let out = dir.path().join("branchy-fp16.onnx");
    ok(zoo(&["compile", &f("branchy"), "-o", out.to_str().unwrap(), "--precision", "fp16"]));
    let checked = python_check("check_carried.py", &[out.to_str().unwrap()]);
    // The onnx checker says of it what it says of the original (a graph output without a shape).
    let original = python_check("check_carried.py", &[&f("branchy")]);
    assert_eq!(checked["checker"], original["checker"], "{checked}");
    let reads = checked["carried"]["If"]["reads"].as_object().unwrap_or_else(|| panic!("{checked}"));
    assert!(reads.values().all(|t| t != "float16"), "{checked}");
}

/// Shape arithmetic computed at run time from a typed input (torch.chunk's Slice bounds, the
/// channel shuffle's Reshape targets, a batch moved to axis 1) folds to constants: the symbolic
/// batch becomes Reshape's 0 where the input has it at that position and -1 where it does not,
/// everything after is typed (fp16 converts every node), and each form computes what the
/// original does, at a batch other than 1.
#[test]
fn compile_folds_shape_arithmetic_to_constants() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    for (name, args) in [("optimized", &["--optimize"][..]), ("fp16", &["--precision", "fp16"][..])] {
        let out = dir.path().join(format!("shuffle-{name}.onnx"));
        let j = crate::support::json(zoo(&[
            &["compile", &f("shuffle_chunk"), "-o", out.to_str().unwrap(), "--json"],
            args,
        ]
        .concat()));
        let pass = |p: &str| j["passes"].as_array().unwrap().iter().find(|r| r["pass"] == p).cloned();
        let chains = pass("fold-shape-chains").unwrap_or_else(|| panic!("{j}"));
        let changed: Vec<&str> = chains["changed"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        assert_eq!(
            changed,
            [
                "slice input 2 `end1` → [4]",
                "slice_1 input 1 `end1` → [4]",
                "slice_1 input 2 `end2` → [8]",
                "reshape → Reshape[0, 2, 4, 6, 6]",
                "reshape_1 → Reshape[0, -1, 6, 6]",
                "reshape_2 → Reshape[1, -1, 288]",
            ],
            "{j}"
        );
        assert_eq!(chains["kept"], serde_json::json!([]), "{j}");
        assert!(pass("carry-through").is_none(), "{j}");
        if name == "fp16" {
            assert_eq!(
                pass("fp16").unwrap()["kept"],
                serde_json::json!([]),
                "every node typed, none kept float32: {j}"
            );
        }
        let runtimes = if name == "fp16" { "ort,openvino" } else { "ort,tract,openvino" };
        let v = zoo(&[
            "verify",
            out.to_str().unwrap(),
            "--reference",
            &f("shuffle_chunk"),
            "--runtime",
            runtimes,
            "--shape",
            "x=3,8,6,6",
        ]);
        ok(v.clone());
        assert!(stdout(&v).contains(": PASS"), "{name}: {}", stdout(&v));
    }
}

/// onnx's own backend node tests as the compiler's conformance tests: every node test whose
/// ops are all in zoo's registry (`corpus_sample.py --ops`, the types zoo exchanges), compiled
/// with `--optimize` and with fp16, each output checked by `zoo verify --inputs` against the
/// test's expected outputs on ONNX Runtime (fp16 within its derived bound, integers exactly).
/// A refusal must be one line; none is expected. At 115 ops: 541 tests (244 s on two cores,
/// measured alone; the double-typed Einsum, CumSum and Mod tests are not among them: verify
/// reads no float64).
#[test]
fn compiled_node_tests_reproduce_their_expected_outputs() {
    let corpora = crate::support::root().join(".corpora/onnx-1.17.0");
    assert!(corpora.is_dir(), "{} is missing: run scripts/corpora (scripts/test does)", corpora.display());
    let dir = tempfile::tempdir().unwrap();
    let ops: Vec<&str> = zoo_graph::ops::REGISTRY.iter().map(|d| d.name).collect();
    let made = python_check(
        "corpus_sample.py",
        &["--ops", &ops.join(","), corpora.to_str().unwrap(), dir.path().to_str().unwrap()],
    );
    let tests: Vec<String> = made["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .filter(|p| p.contains("/node/"))
        .collect();
    assert!(tests.len() >= 400, "{made}");
    let mut failed = Vec::new();
    let (mut fp16_checked, mut unrunnable) = (0, Vec::new());
    for (k, model) in tests.iter().enumerate() {
        let data = std::path::Path::new(model).parent().unwrap().join("test_data_set_0");
        // A test ONNX Runtime cannot pass as onnx wrote it (no kernel for Max of int16; its 3-d
        // dilated ceil-mode AveragePool) proves nothing about the compiler: counted, not run.
        let original = zoo(&["verify", model, "--inputs", data.to_str().unwrap(), "--runtime", "ort"]);
        if !original.status.success() {
            unrunnable.push(model.rsplit('/').nth(1).unwrap_or(model).to_string());
            continue;
        }
        for (form, args) in [("optimized", &["--optimize"][..]), ("fp16", &["--precision", "fp16"][..])] {
            let out = dir.path().join(format!("{k}-{form}.onnx"));
            let o = zoo(&[&["compile", model, "-o", out.to_str().unwrap()], args].concat());
            if !o.status.success() {
                let e = stderr(&o);
                assert_eq!(e.trim().lines().count(), 1, "{model}: {e}");
                failed.push(format!("{model} {form}: compile: {}", e.trim()));
                continue;
            }
            let v = zoo(&["verify", out.to_str().unwrap(), "--inputs", data.to_str().unwrap(), "--runtime", "ort"]);
            let said = stdout(&v);
            // fp16 of a node test with no float tensor (Not, Equal on integers) checks integers.
            if !(v.status.success() && said.contains(": PASS")) {
                failed.push(format!("{model} {form}: {}", said.lines().chain(stderr(&v).lines()).last().unwrap_or("")));
            } else if form == "fp16" {
                fp16_checked += 1;
            }
        }
    }
    println!(
        "{} node tests, each compiled twice; fp16 verified on {fp16_checked}; ONNX Runtime fails {} as written: {}",
        tests.len(),
        unrunnable.len(),
        unrunnable.join(", ")
    );
    assert!(unrunnable.len() <= 8, "{unrunnable:?}");
    assert!(failed.is_empty(), "{} of {}:\n{}", failed.len(), 2 * tests.len(), failed.join("\n"));
}

/// int8 calibration of a file whose input is symbolic past the batch (the detector's H and W)
/// takes the shape from `--shape`; without it, the error names the flag.
#[test]
fn int8_calibrates_symbolic_inputs_at_the_given_shape() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let out = dir.path().join("detector-int8.onnx");
    let o = zoo(&["compile", &f("detector"), "-o", out.to_str().unwrap(), "--precision", "int8"]);
    assert!(!o.status.success() && stderr(&o).contains("give them with --shape x="), "{}", stderr(&o));
    assert!(!out.exists());
    let said = ok(zoo(&[
        "compile",
        &f("detector"),
        "-o",
        out.to_str().unwrap(),
        "--precision",
        "int8",
        "--int8",
        "tensorrt",
        "--shape",
        "x=2,3,24,40",
    ]));
    assert!(said.contains("Conv/Gemm weights int8 per output channel"), "{said}");
    // Where the CPU's int8 kernels are exact (VNNI) it passes against the original; on AVX2
    // machines the runtimes' u8×s8 pairs saturate and verify says so instead of comparing.
    let v = zoo(&["verify", out.to_str().unwrap(), "--reference", &f("detector"), "--shape", "x=2,3,24,40"]);
    let said = stdout(&v);
    assert!(said.contains(": PASS") || said.contains("this CPU has no VNNI"), "{said}");
    assert!(!said.contains("FAIL  "), "{said}");
    let o = zoo(&["compile", &f("detector"), "-o", out.to_str().unwrap(), "--precision", "int8", "--shape", "y=1,2"]);
    assert!(!o.status.success() && stderr(&o).contains("the file has no input `y`"), "{}", stderr(&o));
}
