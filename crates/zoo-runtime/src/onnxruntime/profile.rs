//! Which execution provider really ran the nodes, from ONNX Runtime's profile.
//!
//! ONNX Runtime assigns each node to the first registered provider that supports it and
//! silently gives the rest to the CPU; nothing in the session API reports the result. The
//! profiler does (ONNX Runtime docs, "Profiling tools"; `SessionOptions::EnableProfiling`,
//! `Session::EndProfiling`): a Chrome-trace JSON array of events, where each kernel run is
//! `{"cat": "Node", "name": "<node>_kernel_time", "args": {"op_name": "Conv",
//! "provider": "CPUExecutionProvider", ...}}` and session phases are `"cat": "Session"`.
//! Placement is fixed when the session is created, so one profiled run is enough.

use std::path::Path;

use serde::Deserialize;

use crate::RuntimeError;

#[derive(Deserialize)]
struct Event {
    #[serde(default)]
    cat: String,
    #[serde(default)]
    args: Option<Args>,
}

#[derive(Deserialize)]
struct Args {
    #[serde(default)]
    provider: Option<String>,
}

/// The distinct providers of the profile's node events, in order of first appearance.
pub(crate) fn providers_in(json: &str) -> Result<Vec<String>, String> {
    let events: Vec<Event> = serde_json::from_str(json).map_err(|e| format!("not an ONNX Runtime profile: {e}"))?;
    let mut providers: Vec<String> = Vec::new();
    let used = events.into_iter().filter(|e| e.cat == "Node").filter_map(|e| e.args.and_then(|a| a.provider));
    for p in used {
        if !providers.contains(&p) {
            providers.push(p);
        }
    }
    Ok(providers)
}

/// Reads the profile ONNX Runtime wrote, then deletes it (it can be megabytes for a big net
/// and is of no further use).
pub(crate) fn read_and_remove(path: &Path) -> Result<Vec<String>, RuntimeError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| RuntimeError::Read { path: path.to_path_buf(), reason: e.to_string() })?;
    let _ = std::fs::remove_file(path);
    providers_in(&text).map_err(|e| RuntimeError::Read { path: path.to_path_buf(), reason: e })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_events_give_the_providers() {
        // Abridged from a real ONNX Runtime 1.31 profile, with a CUDA node added.
        let json = r#"[
          {"cat": "Session", "pid": 1, "tid": 1, "dur": 318, "ts": 8, "ph": "X",
           "name": "model_loading_array", "args": {}},
          {"cat": "Node", "name": "r_kernel_time", "ph": "X",
           "args": {"op_name": "Relu", "provider": "CPUExecutionProvider", "node_index": "0",
                    "output_type_shape": [{"float": [1, 4]}]}},
          {"cat": "Node", "name": "c_kernel_time",
           "args": {"op_name": "Conv", "provider": "CUDAExecutionProvider"}},
          {"cat": "Node", "name": "n_kernel_time",
           "args": {"op_name": "Neg", "provider": "CPUExecutionProvider"}},
          {"cat": "Session", "name": "model_run", "args": {}}
        ]"#;
        assert_eq!(providers_in(json).unwrap(), ["CPUExecutionProvider", "CUDAExecutionProvider"]);
        assert_eq!(providers_in("[]").unwrap(), Vec::<String>::new());
        assert!(providers_in("{").is_err());
    }
}
