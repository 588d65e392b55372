//! torch.save's zip format (torch ≥ 1.6).

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::rc::Rc;

use zip::{CompressionMethod, ZipArchive};

use super::pickle;
use super::torch::{self, Storages};
use super::{Parts, Problem, StorageData};

/// Largest `data.pkl` zoo reads (a state_dict's pickle is a few kB to a few MB).
const MAX_PICKLE: u64 = 256 << 20;

type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

pub(crate) fn read(bytes: &[u8]) -> Result<Parts, Problem> {
    let bad = |reason: String| Problem::Format(reason);
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    // The archive's records all live in one folder named after the file (torch ≥ 2 may use
    // "archive"); `data.pkl` in it is the pickle.
    let mut prefixes: Vec<String> = archive
        .file_names_raw()
        .filter_map(|n| n.strip_suffix(b"/data.pkl"))
        .filter(|p| !p.is_empty() && !p.contains(&b'/'))
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    prefixes.sort();
    prefixes.dedup();
    let prefix = match prefixes.as_slice() {
        [p] => p.clone(),
        [] => {
            return Err(bad("the zip archive has no <name>/data.pkl: not written by torch.save".into()));
        }
        many => return Err(bad(format!("the zip archive has {} data.pkl records ({})", many.len(), many.join(", ")))),
    };

    if let Some(i) = archive.index_for_name(&format!("{prefix}/byteorder")) {
        let order = record(&mut archive, i, "byteorder", 16)?;
        match order.as_slice() {
            b"little" => {}
            b"big" => {
                return Err(bad("the storages are big-endian (saved on a big-endian machine); zoo reads \
                                little-endian checkpoints only (load and re-save it on a little-endian one)"
                    .into()));
            }
            other => {
                return Err(bad(format!("unknown byteorder record {:?}", String::from_utf8_lossy(other))));
            }
        }
    }

    let pkl_index = archive
        .index_for_name(&format!("{prefix}/data.pkl"))
        .ok_or_else(|| bad(format!("{prefix}/data.pkl cannot be opened")))?;
    let pkl = record(&mut archive, pkl_index, "data.pkl", MAX_PICKLE)?;
    let mut storages = Storages::default();
    let mut load = |pid: &pickle::Value| torch::storage_pid(pid, false, &mut storages);
    let (root, end) = pickle::load(&pkl, 0, Some(&mut load)).map_err(|e| Problem::pickle("data.pkl", e))?;
    if end != pkl.len() {
        return Err(bad(format!("data.pkl has {} bytes after the pickle's STOP", pkl.len() - end)));
    }

    // Decompressed storages (a re-zipped file) may not exceed a few times the file's size.
    let mut budget = (bytes.len() as u64).saturating_mul(4).saturating_add(64 << 20);
    let mut out = HashMap::with_capacity(storages.order.len());
    for key in &storages.order {
        let (dtype, numel) = storages.declared[key];
        let nbytes = numel * dtype.size() as u64;
        let name = format!("{prefix}/data/{key}");
        let i = archive
            .index_for_name(&name)
            .ok_or_else(|| bad(format!("storage '{key}' ({name}) is missing from the archive")))?;
        let data = storage(&mut archive, bytes, i, &name, nbytes, &mut budget)?;
        let len = match &data {
            StorageData::File { len, .. } => *len as u64,
            StorageData::Owned(v) => v.len() as u64,
        };
        if len != nbytes {
            return Err(bad(format!(
                "storage '{key}' ({name}) has {len} bytes; the pickle declares {numel} elements of {dtype} ({nbytes} bytes)"
            )));
        }
        out.insert(Rc::clone(key), data);
    }
    Ok(Parts { root, storages: out })
}

/// A small record, decompressed, at most `limit` bytes.
fn record(archive: &mut Archive, i: usize, what: &str, limit: u64) -> Result<Vec<u8>, Problem> {
    let bad = |reason: String| Problem::Format(reason);
    let mut f = archive.by_index(i).map_err(|e| bad(format!("cannot read {what}: {e}")))?;
    let size = f.size();
    if size > limit {
        return Err(bad(format!("{what} declares {size} bytes (at most {limit})")));
    }
    let mut v = Vec::with_capacity(size as usize);
    (&mut f).take(limit + 1).read_to_end(&mut v).map_err(|e| bad(format!("cannot read {what}: {e}")))?;
    if v.len() as u64 != size {
        return Err(bad(format!("{what} holds {} bytes, its header says {size}", v.len())));
    }
    Ok(v)
}

/// A storage record: a byte range of the file when stored (as torch writes them, CRC-32
/// checked), decompressed otherwise.
fn storage(
    archive: &mut Archive,
    bytes: &[u8],
    i: usize,
    name: &str,
    expected: u64,
    budget: &mut u64,
) -> Result<StorageData, Problem> {
    let bad = |reason: String| Problem::Format(reason);
    let (method, start, compressed, size, crc) = {
        let f = archive.by_index_raw(i).map_err(|e| bad(format!("cannot read {name}: {e}")))?;
        if f.encrypted() {
            return Err(bad(format!("{name} is encrypted")));
        }
        (f.compression(), f.data_start(), f.compressed_size(), f.size(), f.crc32())
    };
    if size != expected {
        return Err(bad(format!("{name} has {size} bytes; the pickle declares {expected}")));
    }
    if method == CompressionMethod::Stored {
        let start = start.ok_or_else(|| bad(format!("{name}: no data offset")))?;
        if compressed != size {
            return Err(bad(format!("{name} is stored with {compressed} bytes for {size}")));
        }
        let end = start.checked_add(size).filter(|&e| e <= bytes.len() as u64);
        let Some(end) = end else {
            return Err(bad(format!(
                "{name}: {size} bytes at offset {start} run past the end of the file ({} bytes): truncated",
                bytes.len()
            )));
        };
        let (start, end) = (start as usize, end as usize);
        let actual = crc32fast::hash(&bytes[start..end]);
        if actual != crc {
            return Err(bad(format!("{name}: CRC-32 {actual:08x}, the archive records {crc:08x}: corrupt")));
        }
        return Ok(StorageData::File { start, len: end - start });
    }
    if size > *budget {
        return Err(bad(format!("{name}: {size} bytes to decompress, more than zoo allows for this file")));
    }
    *budget -= size;
    record(archive, i, name, size).map(StorageData::Owned)
}
