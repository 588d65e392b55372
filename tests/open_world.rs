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
