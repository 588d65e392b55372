//! `scripts/gpu-check` without a GPU: it refuses at once with the reason, its argument handling
//! is strict, and every command of its plan is one zoo accepts (a typo in the script would
//! otherwise surface only on the rare day a GPU is lent).

use std::process::Command;

use crate::support::root;

fn script(args: &[&str]) -> std::process::Output {
    Command::new("bash").arg(root().join("scripts/gpu-check")).args(args).output().expect("bash")
}

fn has_gpu() -> bool {
    Command::new("nvidia-smi").arg("-L").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).starts_with("GPU "))
}

#[test]
fn refuses_without_a_gpu_and_rejects_bad_arguments() {
    let o = script(&["--bogus"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown argument '--bogus'"));
    let o = script(&["--budget-s", "soon"]);
    assert_eq!(o.status.code(), Some(2));
    if !has_gpu() {
        let o = script(&[]);
        assert_eq!(o.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&o.stderr).contains("no NVIDIA GPU is visible"));
    }
}

#[test]
fn every_planned_command_parses() {
    let o = script(&["--dry-run", "--models", "alexnet"]);
    assert!(o.status.success());
    let plan = String::from_utf8_lossy(&o.stdout).into_owned();
    let lines: Vec<&str> = plan.lines().collect();
    assert_eq!(lines.len(), 7, "{plan}");
    let dir = tempfile::tempdir().unwrap();
    for line in lines {
        let mut words = line.split_whitespace();
        assert!(words.next().unwrap().ends_with("target/release/zoo"), "{line}");
        // Files the plan writes go to a scratch folder here.
        let args: Vec<String> = words
            .map(|w| {
                if w.ends_with("-fp16.onnx") {
                    dir.path().join("a.onnx").display().to_string()
                } else if w.ends_with("-int8.onnx") {
                    dir.path().join("b.onnx").display().to_string()
                } else {
                    w.to_string()
                }
            })
            .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_zoo")).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        // Without a GPU the CUDA/TensorRT steps fail, but on the provider, never on the arguments.
        assert!(!err.contains("see `zoo --help`"), "{line}: {err}");
        assert!(!err.contains("panicked"), "{line}: {err}");
    }
}
