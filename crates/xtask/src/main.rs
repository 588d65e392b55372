//! `cargo run -p xtask -- proto [--check]`: regenerate the committed prost code for
//! `proto/onnx.proto`, or (with `--check`) fail if the committed code is not what the
//! generator produces now. protoc comes from the `protoc-bin-vendored` crate, so this needs
//! nothing beyond crates.io; ordinary builds need no protoc at all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const GENERATED: &str = "crates/zoo-proto/src/onnx.rs";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["proto"] => proto(false),
        ["proto", "--check"] => proto(true),
        _ => Err("usage: cargo run -p xtask -- proto [--check]".to_string()),
    };
    match result {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn proto(check: bool) -> Result<String, String> {
    let root = workspace_root();
    let out = std::env::temp_dir().join(format!("zoo-xtask-proto-{}", std::process::id()));
    std::fs::create_dir_all(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let protoc = protoc_bin_vendored::protoc_bin_path().map_err(|e| format!("vendored protoc: {e}"))?;
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc).out_dir(&out);
    // Tensor bytes as `bytes::Bytes`: decoding a model held in one `Bytes` buffer then slices
    // it instead of copying every initializer (zoo compile's memory stays ≈ the file's size).
    config.bytes([".onnx.TensorProto.raw_data"]);
    config
        .compile_protos(&[root.join("proto/onnx.proto")], &[root.join("proto")])
        .map_err(|e| format!("generating from proto/onnx.proto: {e}"))?;
    let fresh = std::fs::read_to_string(out.join("onnx.rs")).map_err(|e| format!("reading generated code: {e}"))?;
    let _ = std::fs::remove_dir_all(&out);
    let target = root.join(GENERATED);
    let committed = std::fs::read_to_string(&target).unwrap_or_default();
    if check {
        if committed == fresh {
            Ok(format!("{GENERATED} is current"))
        } else {
            Err(format!("{GENERATED} is stale: run `cargo run -p xtask -- proto` and commit the result"))
        }
    } else {
        // Written beside and renamed, so a crash never leaves half the code (xtask cannot use
        // zoo_graph::write: it generates the code zoo-graph is built on).
        let tmp = target.with_extension("rs.part");
        std::fs::write(&tmp, fresh).map_err(|e| format!("writing {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &target).map_err(|e| format!("renaming to {}: {e}", target.display()))?;
        Ok(format!("wrote {GENERATED}"))
    }
}
