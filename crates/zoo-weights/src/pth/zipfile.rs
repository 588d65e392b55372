//! torch.save's zip format (torch ≥ 1.6): APPNOTE.TXT (PKWARE's zip specification) for the
//! records, torch's `serialization.py` for the layout.
//!
//! What a hostile archive is refused for, before any pickle is read (issue: reliability):
//! - a TorchScript archive (`constants.pkl` or `code/` beside `data.pkl`, what `torch.jit.save`
//!   writes): torch ≤ 2.5's `weights_only` loader ran such archives' code (CVE-2025-32434);
//!   zoo reads state_dicts only and names the file's kind;
//! - two entries of one name (the central directory's count above the names it resolves to):
//!   readers that take the first and readers that take the last would see different weights;
//! - a local file header that disagrees with its central-directory entry (name, compression,
//!   CRC-32 or sizes): the same two-readers trick, one level down;
//! - a stored record whose CRC-32 is wrong, and decompressed records past a budget of four
//!   times the file's size (zip bombs).

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
    unique_names(bytes, &archive)?;
    let prefix = match prefixes.as_slice() {
        [p] => p.clone(),
        [] => {
            return Err(bad("the zip archive has no <name>/data.pkl: not written by torch.save".into()));
        }
        many => return Err(bad(format!("the zip archive has {} data.pkl records ({})", many.len(), many.join(", ")))),
    };

    let (constants, code) = (format!("{prefix}/constants.pkl"), format!("{prefix}/code/"));
    let script: Vec<String> = archive
        .file_names_raw()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .filter(|n| *n == constants || n.starts_with(&code))
        .collect();
    if let Some(first) = script.first() {
        return Err(bad(format!(
            "a TorchScript archive (torch.jit.save; it holds {first}), not a state_dict: zoo does not read TorchScript              (its loader ran such archives' code in torch <= 2.5, CVE-2025-32434); in PyTorch,              torch.save(torch.jit.load(path).state_dict(), 'weights.pth')"
        )));
    }
    for i in 0..archive.len() {
        local_header_agrees(bytes, &mut archive, i)?;
    }

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

/// The central directory's entry count (end of central directory record, APPNOTE 4.3.16) must
/// equal the names the archive resolves: a name given twice collapses into one.
fn unique_names(bytes: &[u8], archive: &Archive) -> Result<(), Problem> {
    // The record is 22 bytes plus a comment of at most 65535; search backwards for its
    // signature.
    let tail = bytes.len().saturating_sub(22 + 65535);
    let Some(at) = (tail..bytes.len().saturating_sub(21)).rev().find(|&i| bytes[i..i + 4] == *b"PK\x05\x06") else {
        return Ok(()); // the zip crate found one, or it would have failed; nothing more to check
    };
    let total = u16::from_le_bytes([bytes[at + 10], bytes[at + 11]]);
    // 0xFFFF: the count is in the zip64 record; the zip crate reads that one itself.
    if total != 0xFFFF && usize::from(total) != archive.len() {
        return Err(Problem::Format(format!(
            "the zip archive's directory lists {total} entries but only {} distinct names: an entry name is repeated",
            archive.len()
        )));
    }
    Ok(())
}

/// An entry's local file header (APPNOTE 4.3.7) must say what its central-directory entry
/// says: the same name, compression method and, unless sizes follow in a data descriptor
/// (flag bit 3), the same CRC-32 and sizes.
fn local_header_agrees(bytes: &[u8], archive: &mut Archive, i: usize) -> Result<(), Problem> {
    let f = archive.by_index_raw(i).map_err(|e| Problem::Format(format!("cannot read zip entry {i}: {e}")))?;
    let name = f.name_raw().to_vec();
    let shown = String::from_utf8_lossy(&name).into_owned();
    let bad = |what: &str| {
        Problem::Format(format!(
            "zip entry {shown}: its local header and the central directory disagree on {what}: a tampered archive"
        ))
    };
    let at = usize::try_from(f.header_start()).map_err(|_| bad("the header's offset"))?;
    let h = bytes.get(at..at + 30).ok_or_else(|| bad("the header's offset (past the end)"))?;
    let u16_at = |o: usize| u16::from_le_bytes([h[o], h[o + 1]]);
    let u32_at = |o: usize| u32::from_le_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]);
    if h[..4] != *b"PK\x03\x04" {
        return Err(bad("where the entry starts (no local header there)"));
    }
    let name_len = usize::from(u16_at(26));
    if bytes.get(at + 30..at + 30 + name_len) != Some(name.as_slice()) {
        return Err(bad("the name"));
    }
    #[allow(deprecated)] // to_u16 is the only way to the raw method number in zip 9
    let method = f.compression().to_u16();
    if u16_at(8) != method {
        return Err(bad("the compression method"));
    }
    let descriptor = u16_at(6) & 0x8 != 0;
    let zip64 = u32_at(18) == u32::MAX || u32_at(22) == u32::MAX;
    if !descriptor && !zip64 {
        if u32_at(14) != f.crc32() {
            return Err(bad("the CRC-32"));
        }
        if u64::from(u32_at(18)) != f.compressed_size() || u64::from(u32_at(22)) != f.size() {
            return Err(bad("the sizes"));
        }
    }
    Ok(())
}
