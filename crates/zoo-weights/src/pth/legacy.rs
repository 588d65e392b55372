//! torch.save's legacy format (torch < 1.6): magic number, protocol version, sys_info, the
//! object, the storage keys — five pickles — then each storage as an 8-byte little-endian
//! element count and its raw bytes, in the order of the keys.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::pickle::{self, Value};
use super::torch::{self, Storages};
use super::{Parts, Problem, StorageData};

const MAGIC: i128 = 0x1950a86a20f9469cfc6c;
const PROTOCOL_VERSION: i128 = 1001;

pub(crate) fn read(bytes: &[u8]) -> Result<Parts, Problem> {
    let bad = |reason: String| Problem::Format(reason);
    // Offsets are into the file; each pickle is named by its place.
    let part = |name: &str, _at: usize| format!("the file (its {name} pickle)");

    let (magic, at) = pickle::load(bytes, 0, None).map_err(|e| Problem::pickle(&part("magic-number", 0), e))?;
    if magic.as_int() != Some(MAGIC) {
        return Err(bad("wrong magic number: not a torch.save file".into()));
    }
    let (version, next) =
        pickle::load(bytes, at, None).map_err(|e| Problem::pickle(&part("protocol-version", at), e))?;
    if version.as_int() != Some(PROTOCOL_VERSION) {
        let got = version.as_int().map_or_else(|| version.kind(), |v| v.to_string());
        return Err(bad(format!("protocol version {got}; torch's legacy format is {PROTOCOL_VERSION}")));
    }
    let at = next;
    let (sys_info, next) = pickle::load(bytes, at, None).map_err(|e| Problem::pickle(&part("sys_info", at), e))?;
    match sys_info.get("little_endian") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => {
            return Err(bad("saved on a big-endian machine; zoo reads little-endian checkpoints only \
                            (load and re-save it on a little-endian one)"
                .into()));
        }
        _ => return Err(bad("sys_info lacks little_endian".into())),
    }
    let at = next;
    let mut storages = Storages::default();
    let mut load = |pid: &Value| torch::storage_pid(pid, true, &mut storages);
    let (root, next) = pickle::load(bytes, at, Some(&mut load)).map_err(|e| Problem::pickle(&part("main", at), e))?;
    let at = next;
    let (keys, mut pos) = pickle::load(bytes, at, None).map_err(|e| Problem::pickle(&part("storage-keys", at), e))?;
    let Value::List(keys) = keys else {
        return Err(bad(format!("the storage keys are {}, not a list", keys.kind())));
    };
    let keys = keys.items.borrow().clone();

    let mut out = HashMap::with_capacity(keys.len());
    let mut listed: HashSet<Rc<str>> = HashSet::with_capacity(keys.len());
    for key in &keys {
        let Value::Str(key) = key else { return Err(bad(format!("a storage key is {}", key.kind()))) };
        let Some(&(dtype, numel)) = storages.declared.get(key) else {
            return Err(bad(format!("storage '{key}' is listed but no tensor uses it")));
        };
        if !listed.insert(key.clone()) {
            return Err(bad(format!("storage '{key}' is listed twice")));
        }
        let Some(header) = bytes.get(pos..pos + 8) else {
            return Err(bad(format!(
                "truncated: storage '{key}' should start at byte {pos}, the file has {} bytes",
                bytes.len()
            )));
        };
        let count = u64::from_le_bytes([
            header[0], header[1], header[2], header[3], header[4], header[5], header[6], header[7],
        ]);
        if count != numel {
            return Err(bad(format!(
                "storage '{key}' at byte {pos} holds {count} elements; the pickle declares {numel} of {dtype}"
            )));
        }
        let start = pos + 8;
        let len = numel as usize * dtype.size(); // fits: checked when the persistent id was read
        let end = start.checked_add(len).filter(|&e| e <= bytes.len());
        let Some(end) = end else {
            return Err(bad(format!(
                "truncated: storage '{key}' needs bytes {start}..{} ({numel} elements of {dtype}), the file has {}",
                start as u128 + len as u128,
                bytes.len()
            )));
        };
        out.insert(key.clone(), StorageData::File { start, len });
        pos = end;
    }
    if let Some(key) = storages.order.iter().find(|k| !listed.contains(*k)) {
        return Err(bad(format!("storage '{key}' is used by a tensor but its data is not in the file")));
    }
    if pos != bytes.len() {
        return Err(bad(format!("{} bytes after the last storage (the file ends at byte {pos})", bytes.len() - pos)));
    }
    Ok(Parts { root, storages: out })
}
