//! External tensor data: where an initializer's bytes live when they are not in the `.onnx`
//! file (https://github.com/onnx/onnx/blob/main/docs/ExternalData.md).
//!
//! A model file names its data files itself, so a hostile model can point a reader anywhere:
//! at `/etc/shadow`, at `../../secret`, through a symlink, or past the end of a file. The ONNX
//! docs' security notes ask readers to confine external data to the model's folder; zoo's
//! readers (`inspect`, `compile`, `verify`) all go through [`resolve`], which accepts only the
//! documented keys, each once; a relative location without `..` and without ONNX Runtime's
//! `_ORT_MEM_ADDR_` marker, naming a regular file (not a symlink, one hard link) inside the
//! model's folder, whose bytes cover `offset + length`; and a `length` equal to the tensor's
//! size (so a petabyte `length` is refused before anything is read) — what onnx checks since
//! its external-data CVEs (CVE-2024-27318, CVE-2025-51480).

use std::path::{Component, Path, PathBuf};

use zoo_proto::TensorProto;
use zoo_proto::tensor_proto::DataLocation;

/// The keys of `external_data` (onnx docs/ExternalData.md).
const KEYS: [&str; 4] = ["location", "offset", "length", "checksum"];

/// ONNX Runtime's marker for tensors it keeps in memory (`*/_ORT_MEM_ADDR_/*`): a file naming it
/// asks the runtime to read an address, never a file.
const ORT_MEM_ADDR: &str = "_ORT_MEM_ADDR_";

/// Offsets in zoo's data files are multiples of this (mmap-able on every common page size).
pub const ALIGN: u64 = 4096;

/// Where one tensor's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub offset: u64,
    pub length: u64,
}

pub fn is_external(t: &TensorProto) -> bool {
    t.data_location == Some(DataLocation::External as i32)
}

/// The checked location of an external tensor of `expected` bytes, for a model in `dir`.
/// The error says what is wrong, for a message naming the tensor.
pub fn resolve(t: &TensorProto, dir: &Path, expected: u64) -> Result<Location, String> {
    let entry = |k: &str| t.external_data.iter().find(|e| e.key.as_deref() == Some(k)).and_then(|e| e.value.clone());
    // The keys ExternalData.md defines, each once; anything else is not a file zoo can trust.
    for (i, e) in t.external_data.iter().enumerate() {
        let key = e.key.as_deref().unwrap_or_default();
        if !KEYS.contains(&key) {
            return Err(format!("external data key `{key}` is not one of {}", KEYS.join(", ")));
        }
        if t.external_data[..i].iter().any(|p| p.key == e.key) {
            return Err(format!("external data key `{key}` is given twice"));
        }
    }
    let location = entry("location").ok_or("external data without a `location`")?;
    if location.contains(ORT_MEM_ADDR) {
        return Err(format!(
            "external data location {location:?} is ONNX Runtime's in-memory marker, not a file: refused"
        ));
    }
    let number = |k: &str| -> Result<Option<u64>, String> {
        entry(k)
            .map(|v| v.parse::<u64>().map_err(|_| format!("external data `{k}` is not a number: {v:?}")))
            .transpose()
    };
    let offset = number("offset")?.unwrap_or(0);
    let length = number("length")?.unwrap_or(expected);
    let rel = Path::new(&location);
    let confined = !location.is_empty()
        && !location.contains('\\')
        && rel.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !confined {
        return Err(format!(
            "external data location {location:?} is not a plain relative path inside the model's folder (absolute paths and `..` are refused)"
        ));
    }
    if length != expected {
        return Err(format!("external data length {length} is not the tensor's {expected} bytes"));
    }
    let path = dir.join(rel);
    let meta = std::fs::symlink_metadata(&path)
        .map_err(|e| format!("external data file {}: {e} (it must sit beside the model)", path.display()))?;
    if meta.file_type().is_symlink() || !meta.is_file() {
        return Err(format!("external data file {} is a symlink or not a regular file: refused", path.display()));
    }
    // A hard link can reach a file outside the folder without any path saying so.
    #[cfg(unix)]
    if std::os::unix::fs::MetadataExt::nlink(&meta) > 1 {
        return Err(format!("external data file {} has more than one hard link: refused", path.display()));
    }
    // A folder in the path may itself be a symlink out of the model's folder.
    let (real, root) =
        (path.canonicalize().map_err(|e| e.to_string())?, dir.canonicalize().map_err(|e| e.to_string())?);
    if !real.starts_with(&root) {
        return Err(format!("external data file {} resolves outside the model's folder: refused", path.display()));
    }
    let end = offset.checked_add(length).ok_or("external data offset + length overflows")?;
    if meta.len() < end {
        return Err(format!(
            "external data file {} has {} bytes, the tensor needs bytes {offset}..{end} (truncated?)",
            path.display(),
            meta.len()
        ));
    }
    Ok(Location { path, offset, length })
}

#[cfg(test)]
mod tests {
    use zoo_proto::StringStringEntryProto;

    use super::*;

    fn tensor(entries: &[(&str, &str)]) -> TensorProto {
        TensorProto {
            name: Some("w".into()),
            data_location: Some(DataLocation::External as i32),
            external_data: entries
                .iter()
                .map(|(k, v)| StringStringEntryProto { key: Some((*k).into()), value: Some((*v).into()) })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn only_files_inside_the_folder_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("model");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("m.onnx.data"), [0u8; 8192]).unwrap();
        std::fs::write(dir.path().join("outside"), [0u8; 8192]).unwrap();
        let ok = resolve(&tensor(&[("location", "m.onnx.data"), ("offset", "4096"), ("length", "16")]), &d, 16);
        assert_eq!(ok.unwrap().offset, 4096);
        let refused = |entries: &[(&str, &str)], needle: &str| {
            let e = resolve(&tensor(entries), &d, 16).unwrap_err();
            assert!(e.contains(needle), "{e}");
        };
        refused(&[("location", "../outside")], "not a plain relative path");
        refused(&[("location", "/etc/passwd")], "not a plain relative path");
        refused(&[("location", "m.onnx.data"), ("offset", "8190")], "truncated");
        refused(&[("location", "m.onnx.data"), ("length", "12")], "not the tensor's 16 bytes");
        refused(&[("location", "missing.data")], "it must sit beside the model");
        refused(&[("offset", "0")], "without a `location`");
        refused(&[("location", "m.onnx.data"), ("owner", "me")], "key `owner` is not one of");
        refused(&[("location", "m.onnx.data"), ("location", "m.onnx.data")], "given twice");
        refused(&[("location", "*/_ORT_MEM_ADDR_/*")], "in-memory marker");
        refused(&[("location", "m.onnx.data"), ("length", "1125899906842624")], "not the tensor's 16 bytes");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("outside"), d.join("link")).unwrap();
            refused(&[("location", "link")], "symlink");
            std::os::unix::fs::symlink(dir.path(), d.join("up")).unwrap();
            refused(&[("location", "up/outside")], "outside the model's folder");
            // Last: from here on `outside` has two links.
            std::fs::hard_link(dir.path().join("outside"), d.join("hard.data")).unwrap();
            refused(&[("location", "hard.data")], "more than one hard link");
        }
    }
}
