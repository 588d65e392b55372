//! Writes that survive a kill: `zoo export` and `zoo compile` killed with SIGKILL at 100
//! moments spread over their run leave, under the final name, nothing, the old file, or the
//! complete new one with the SHA-256 a clean run reports — never part of one; their leftover
//! temporaries (`.zoo-*.part`) are removed by the next write into that folder. Two exports to
//! one path at once: one complete file wins. The same bytes whatever TZ, LANG, umask, working
//! directory.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{json, ok, python, sha256_file, wait_until, zoo};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// zoo's temporaries in `dir`.
fn temporaries(dir: &Path) -> Vec<std::fs::DirEntry> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(".zoo-") && n.ends_with(".part")
        })
        .collect()
}

fn leftovers(dir: &Path) -> usize {
    temporaries(dir).len()
}

/// Runs `args` and kills it after `delay`; true when it had already finished.
fn run_and_kill(args: &[&str], delay: Duration) -> bool {
    let mut child =
        Command::new(env!("CARGO_BIN_EXE_zoo")).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    status.success()
}

/// `n` delays in [0, max), one in each of `n` equal slices, jittered by zoo's own stream.
fn delays(n: usize, max: Duration) -> Vec<Duration> {
    let jitter = zoo_graph::prng::Stream::new(0, "tests.crash.delays");
    (0..n).map(|i| max.mul_f64((i as f64 + jitter.unit_at(i as u64)) / n as f64)).collect()
}

#[test]
fn killed_writes_leave_the_old_file_or_the_whole_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.onnx");
    let reference = dir.path().join("ref").join("m.onnx");
    std::fs::create_dir(reference.parent().unwrap()).unwrap();
    // Clean runs: what a complete file's SHA-256 must be, and how long a run takes.
    // The fastest of three runs: the kill moments then fall inside the runs.
    let mut export_time = Duration::MAX;
    let mut seed1 = serde_json::Value::Null;
    for _ in 0..3 {
        let t = Instant::now();
        seed1 = json(zoo(&["export", "resnet18", "--seed", "1", "-o", p(&reference), "--json"]));
        export_time = export_time.min(t.elapsed());
    }
    let new_sha = seed1["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha256_file(&reference), new_sha);
    // onnx's full checker passes the complete file (so any file with its SHA-256 passes it).
    let checked = Command::new(python())
        .args(["-c", "import onnx, sys; onnx.checker.check_model(sys.argv[1], full_check=True)", p(&reference)])
        .output()
        .unwrap();
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    let compiled_ref = dir.path().join("ref").join("c.onnx");
    let mut compile_time = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        ok(zoo(&["compile", p(&reference), "-o", p(&compiled_ref), "--optimize"]));
        compile_time = compile_time.min(t.elapsed());
    }
    let compiled_sha = sha256_file(&compiled_ref);

    // The old file at the final path: seed 0's export.
    let old = json(zoo(&["export", "resnet18", "-o", p(&out), "--json"]));
    let old_sha = old["sha256"].as_str().unwrap().to_string();
    let (mut finished, mut killed, mut seen) = (0, 0, 0);
    for d in delays(60, export_time) {
        if run_and_kill(&["export", "resnet18", "--seed", "1", "-o", p(&out)], d) {
            finished += 1
        } else {
            killed += 1
        }
        seen = seen.max(leftovers(dir.path()));
        let sha = sha256_file(&out);
        assert!(sha == old_sha || sha == new_sha, "after a kill at {d:?}: {sha}, neither the old nor the new file");
        // Back to the old file for the next round, through zoo's own writer.
        if sha == new_sha {
            ok(zoo(&["export", "resnet18", "-o", p(&out)]));
        }
    }
    let compiled = dir.path().join("c.onnx");
    for d in delays(40, compile_time) {
        if run_and_kill(&["compile", p(&reference), "-o", p(&compiled), "--optimize"], d) {
            finished += 1;
        } else {
            killed += 1;
        }
        if compiled.exists() {
            assert_eq!(sha256_file(&compiled), compiled_sha, "after a kill at {d:?}");
            std::fs::remove_file(&compiled).unwrap();
        }
    }
    // Each moment falls inside a run (the last ones near its rename) unless that run was quicker
    // than the fastest clean one; most must be real kills.
    assert!(killed >= 70, "most runs must be killed mid-way: {killed} killed, {finished} finished");
    // Leftover temporaries are named as zoo's and go with the next write into the folder.
    // A killed writer leaves its temporary; each later write removes those over a second old,
    // so they never pile up.
    assert!(seen > 0, "killed writers leave their temporaries behind");
    let left = leftovers(dir.path());
    // Wait, bounded, until every leftover is past the age zoo's cleaner requires (measured as
    // it measures it: the file's mtime to now), instead of assuming a fixed sleep gets there.
    let youngest =
        || temporaries(dir.path()).iter().filter_map(|e| e.metadata().ok()?.modified().ok()?.elapsed().ok()).min();
    let age = wait_until(Duration::from_secs(10), youngest, |a| a.is_none_or(|a| a > Duration::from_millis(1100)));
    assert!(age.is_none_or(|a| a > Duration::from_secs(1)), "the leftovers stayed younger than a second: {age:?}");
    ok(zoo(&["export", "resnet18", "-o", p(&out)]));
    assert_eq!(leftovers(dir.path()), 0, "{left} leftovers before, some remain");
    assert_eq!(sha256_file(&out), old_sha);
}

#[test]
fn two_exports_to_one_path_leave_one_complete_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.onnx");
    let spawn = |seed: &str| {
        Command::new(env!("CARGO_BIN_EXE_zoo"))
            .args(["export", "resnet18", "--seed", seed, "-o", p(&out), "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("1"), spawn("2"));
    let shas: Vec<String> = [a, b]
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success());
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            v["sha256"].as_str().unwrap().to_string()
        })
        .collect();
    assert_ne!(shas[0], shas[1]);
    assert!(shas.contains(&sha256_file(&out)), "the file is neither export's");
    assert_eq!(leftovers(dir.path()), 0);
}

#[test]
fn same_bytes_whatever_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let plain = json(zoo(&["export", "alexnet", "--variant", "bn", "-o", p(&dir.path().join("a.onnx")), "--json"]));
    // Another time zone, locale and umask, and a relative path from another working directory.
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("umask 077 && exec {} export alexnet --variant bn -o ../b.onnx --json", env!("CARGO_BIN_EXE_zoo")))
        .current_dir(&sub)
        .env("TZ", "Pacific/Kiritimati")
        .env("LANG", "tr_TR.UTF-8")
        .env("LC_ALL", "tr_TR.UTF-8")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(sha256_file(&dir.path().join("b.onnx")), plain["sha256"].as_str().unwrap());
    // zoo writes readable files whatever the umask (0644, as `persist` sets).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("b.onnx")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }
}
