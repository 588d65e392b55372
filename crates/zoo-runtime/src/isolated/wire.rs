//! The frames between zoo and a runtime worker: a tag byte, a little-endian u64 length, and the
//! payload — a JSON header, then the tensors' raw little-endian data (f32, or i64 for integer
//! and boolean tensors, whose onnx.proto type code travels with the shape). JSON keeps the control
//! part readable and versionless inside one binary (both ends are the same executable); the
//! tensors go raw because VGG's activations are hundreds of MB and JSON floats would be slow.
//!
//! Reads are bounded by what the peer really sends (`Read::take`, growing buffers), never by a
//! length the peer declares: a worker that a hostile file has corrupted cannot make zoo
//! allocate on its word alone.

use std::io::{self, Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{IntType, Tensor};

/// The type code of a float tensor in a frame; an integer one travels as its onnx.proto code.
const FLOAT: u64 = 1;

/// A decoded frame: its tag, the JSON header, and the tensors after it.
pub(super) struct Frame {
    pub tag: u8,
    pub header: Vec<u8>,
    pub tensors: Vec<Tensor>,
}

impl Frame {
    pub fn header<T: DeserializeOwned>(&self) -> io::Result<T> {
        serde_json::from_slice(&self.header).map_err(|e| invalid(format!("bad frame header: {e}")))
    }
}

/// Writes one frame and flushes it.
pub(super) fn send<T: Serialize>(w: &mut impl Write, tag: u8, header: &T, tensors: &[Tensor]) -> io::Result<()> {
    let header = serde_json::to_vec(header).map_err(|e| invalid(e.to_string()))?;
    let mut meta = Vec::new();
    put_u64(&mut meta, header.len() as u64);
    meta.extend_from_slice(&header);
    put_u64(&mut meta, tensors.len() as u64);
    for t in tensors {
        put_u64(&mut meta, t.name.len() as u64);
        meta.extend_from_slice(t.name.as_bytes());
        put_u64(&mut meta, t.shape.len() as u64);
        for &d in &t.shape {
            put_u64(&mut meta, d as u64);
        }
        put_u64(&mut meta, t.ints.as_ref().map_or(FLOAT, |i| i.ty.onnx() as u64));
    }
    let data: u64 = tensors
        .iter()
        .map(|t| 4 * t.data.len() as u64 + 8 * t.ints.as_ref().map_or(0, |i| i.values.len() as u64))
        .sum();
    w.write_all(&[tag])?;
    w.write_all(&(meta.len() as u64 + data).to_le_bytes())?;
    w.write_all(&meta)?;
    // In chunks: one byte buffer the size of every tensor would double the peak memory.
    let mut chunk = Vec::with_capacity(1 << 16);
    for t in tensors {
        for block in t.data.chunks(1 << 14) {
            chunk.clear();
            for x in block {
                chunk.extend_from_slice(&x.to_le_bytes());
            }
            w.write_all(&chunk)?;
        }
        for block in t.ints.iter().flat_map(|i| i.values.chunks(1 << 13)) {
            chunk.clear();
            for x in block {
                chunk.extend_from_slice(&x.to_le_bytes());
            }
            w.write_all(&chunk)?;
        }
    }
    w.flush()
}

/// Reads one frame; `Ok(None)` at a clean end of the stream (the peer closed before a frame).
pub(super) fn receive(r: &mut impl Read) -> io::Result<Option<Frame>> {
    let mut tag = [0u8; 1];
    if r.read(&mut tag)? == 0 {
        return Ok(None);
    }
    let len = get_u64(r)?;
    let mut body = r.take(len);
    let header_len = get_u64(&mut body)?;
    let header = read_exact_vec(&mut body, header_len)?;
    let count = get_u64(&mut body)?;
    let mut shapes = Vec::new();
    for _ in 0..count {
        let name_len = get_u64(&mut body)?;
        let name = String::from_utf8(read_exact_vec(&mut body, name_len)?).map_err(|e| invalid(e.to_string()))?;
        let rank = get_u64(&mut body)?;
        let mut shape = Vec::new();
        for _ in 0..rank {
            shape.push(usize::try_from(get_u64(&mut body)?).map_err(|e| invalid(e.to_string()))?);
        }
        let code = get_u64(&mut body)?;
        let ty = match code {
            FLOAT => None,
            c => Some(
                i32::try_from(c).ok().and_then(IntType::from_onnx).ok_or_else(|| invalid(format!("type code {c}")))?,
            ),
        };
        shapes.push((name, shape, ty));
    }
    let mut tensors = Vec::with_capacity(shapes.len().min(1 << 16));
    for (name, shape, ty) in shapes {
        let n = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d as u64)).ok_or_else(|| invalid("tensor size"))?;
        let width = if ty.is_some() { 8 } else { 4 };
        let bytes = read_exact_vec(&mut body, n.checked_mul(width).ok_or_else(|| invalid("tensor size"))?)?;
        tensors.push(match ty {
            None => {
                let data = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                Tensor::new(name, shape, data)
            }
            Some(ty) => Tensor::int(name, shape, ty, IntType::I64.from_le_bytes(&bytes).unwrap_or_default()),
        });
    }
    if body.limit() != 0 {
        return Err(invalid(format!("{} stray bytes at the end of a frame", body.limit())));
    }
    Ok(Some(Frame { tag: tag[0], header, tensors }))
}

fn put_u64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn get_u64(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// `n` bytes, the buffer growing only as they arrive.
fn read_exact_vec(r: &mut impl Read, n: u64) -> io::Result<Vec<u8>> {
    let mut v = Vec::new();
    r.take(n).read_to_end(&mut v)?;
    if v.len() as u64 != n {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the frame ended early"));
    }
    Ok(v)
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_truncation_is_an_error() {
        let t = vec![
            Tensor::new("x", vec![2, 3], vec![1.0, -2.5, f32::MIN_POSITIVE, f32::MAX, 0.0, -0.0]),
            Tensor::new("", vec![], vec![7.0]),
            Tensor::int("ids", vec![3], IntType::I64, vec![i64::MIN, -1, i64::MAX]),
            Tensor::int("mask", vec![2], IntType::Bool, vec![1, 0]),
        ];
        let mut buf = Vec::new();
        send(&mut buf, 3, &("hello", 5u32), &t).unwrap();
        send(&mut buf, 4, &(), &[]).unwrap();
        let mut r = buf.as_slice();
        let f = receive(&mut r).unwrap().unwrap();
        assert_eq!((f.tag, f.header::<(String, u32)>().unwrap()), (3, ("hello".to_string(), 5)));
        assert_eq!(f.tensors, t);
        let g = receive(&mut r).unwrap().unwrap();
        assert_eq!((g.tag, g.tensors.len()), (4, 0));
        assert!(receive(&mut r).unwrap().is_none());
        // Every cut short of the whole first frame is an error, never a panic or a huge buffer.
        let first = buf.len() - (1 + 8 + 8 + 4 + 8);
        for cut in 1..first {
            assert!(receive(&mut &buf[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn a_declared_size_is_not_allocated_before_the_bytes_arrive() {
        // A header claiming a 2^60-element tensor, with nothing after it.
        let mut buf = vec![1u8];
        let mut meta = Vec::new();
        put_u64(&mut meta, 2);
        meta.extend_from_slice(b"{}");
        put_u64(&mut meta, 1);
        put_u64(&mut meta, 1);
        meta.push(b'y');
        put_u64(&mut meta, 1);
        put_u64(&mut meta, 1 << 60);
        put_u64(&mut meta, FLOAT);
        buf.extend_from_slice(&(u64::MAX).to_le_bytes());
        buf.extend_from_slice(&meta);
        assert!(receive(&mut buf.as_slice()).is_err());
    }
}
