//! Test helpers: a tiny pickle *writer* that emits what CPython's pickler emits for the
//! objects `torch.save` pickles (protocol 2), and the two containers around it.

use std::io::{Cursor, Write};

/// Pickle bytes under construction.
pub(crate) struct P {
    pub b: Vec<u8>,
    memo: u32,
}

impl P {
    /// PROTO 2.
    pub fn new() -> Self {
        P { b: vec![0x80, 2], memo: 0 }
    }

    /// No PROTO (protocol 1 style), for hand-made fragments.
    pub fn bare() -> Self {
        P { b: Vec::new(), memo: 0 }
    }

    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.b.extend_from_slice(bytes);
        self
    }

    /// BINPUT / LONG_BINPUT of the next memo slot, as CPython's pickler does.
    pub fn put(&mut self) -> &mut Self {
        if self.memo < 256 {
            self.b.extend_from_slice(&[b'q', self.memo as u8]);
        } else {
            self.b.push(b'r');
            self.b.extend_from_slice(&self.memo.to_le_bytes());
        }
        self.memo += 1;
        self
    }

    /// BINUNICODE (Python 3 `str`).
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.b.push(b'X');
        self.b.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.b.extend_from_slice(s.as_bytes());
        self.put()
    }

    /// SHORT_BINSTRING (Python 2 `str`).
    pub fn py2str(&mut self, s: &str) -> &mut Self {
        self.b.extend_from_slice(&[b'U', s.len() as u8]);
        self.b.extend_from_slice(s.as_bytes());
        self.put()
    }

    pub fn int(&mut self, i: i64) -> &mut Self {
        if (0..256).contains(&i) {
            self.b.extend_from_slice(&[b'K', i as u8]);
        } else if (0..65536).contains(&i) {
            self.b.push(b'M');
            self.b.extend_from_slice(&(i as u16).to_le_bytes());
        } else if i32::try_from(i).is_ok() {
            self.b.push(b'J');
            self.b.extend_from_slice(&(i as i32).to_le_bytes());
        } else {
            self.b.extend_from_slice(&[0x8a, 8]);
            self.b.extend_from_slice(&i.to_le_bytes());
        }
        self
    }

    pub fn global(&mut self, module: &str, name: &str) -> &mut Self {
        self.b.push(b'c');
        self.b.extend_from_slice(format!("{module}\n{name}\n").as_bytes());
        self.put()
    }

    pub fn op(&mut self, op: u8) -> &mut Self {
        self.b.push(op);
        self
    }

    pub fn mark(&mut self) -> &mut Self {
        self.op(b'(')
    }

    /// TUPLE after a MARK, memoized.
    pub fn tuple(&mut self) -> &mut Self {
        self.op(b't').put()
    }

    /// A tuple of ints the way CPython writes it (EMPTY_TUPLE, TUPLE1..3 or MARK…TUPLE).
    pub fn int_tuple(&mut self, xs: &[usize]) -> &mut Self {
        match xs.len() {
            0 => return self.op(b')'),
            1..=3 => {
                for &x in xs {
                    self.int(x as i64);
                }
                let op = 0x84 + xs.len() as u8;
                self.op(op);
            }
            _ => {
                self.mark();
                for &x in xs {
                    self.int(x as i64);
                }
                self.op(b't');
            }
        }
        self.put()
    }

    /// `OrderedDict()`: GLOBAL, EMPTY_TUPLE, REDUCE.
    pub fn ordered_dict(&mut self) -> &mut Self {
        self.global("collections", "OrderedDict").op(b')').op(b'R').put()
    }

    pub fn stop(&mut self) -> Vec<u8> {
        self.b.push(b'.');
        std::mem::take(&mut self.b)
    }
}

/// Which persistent id torch writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Layout {
    /// ('storage', type, key, location, numel)
    Zip,
    /// ('storage', type, key, location, numel, None)
    Legacy,
}

/// One tensor of a hand-made state_dict.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    pub name: String,
    /// `FloatStorage`, `HalfStorage`…
    pub storage: &'static str,
    pub key: String,
    /// Elements of the storage.
    pub numel: usize,
    pub offset: usize,
    pub shape: Vec<usize>,
    pub stride: Vec<usize>,
}

impl Spec {
    /// A contiguous tensor with a storage of its own.
    pub fn contiguous(name: &str, storage: &'static str, key: &str, shape: &[usize]) -> Spec {
        Spec {
            name: name.into(),
            storage,
            key: key.into(),
            numel: shape.iter().product(),
            offset: 0,
            shape: shape.to_vec(),
            stride: row_major(shape),
        }
    }
}

pub(crate) fn row_major(shape: &[usize]) -> Vec<usize> {
    let mut stride = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        stride[d] = stride[d + 1] * shape[d + 1];
    }
    stride
}

/// The persistent id of `s`'s storage, then BINPERSID.
pub(crate) fn storage_pid(p: &mut P, s: &Spec, layout: Layout) {
    p.mark().str("storage").global("torch", s.storage).str(&s.key).str("cpu").int(s.numel as i64);
    if layout == Layout::Legacy {
        p.op(b'N');
    }
    p.tuple().op(b'Q');
}

/// `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`.
pub(crate) fn tensor(p: &mut P, s: &Spec, layout: Layout) {
    p.global("torch._utils", "_rebuild_tensor_v2").mark();
    storage_pid(p, s, layout);
    p.int(s.offset as i64).int_tuple(&s.shape).int_tuple(&s.stride).op(0x89).ordered_dict().tuple().op(b'R').put();
}

/// The body of an `OrderedDict` state_dict (without PROTO/STOP), with `_metadata` and BUILD.
pub(crate) fn state_dict_body(p: &mut P, specs: &[Spec], layout: Layout) {
    p.ordered_dict().mark();
    for s in specs {
        p.str(&s.name);
        tensor(p, s, layout);
    }
    p.op(b'u');
    // state: {'_metadata': OrderedDict([('', {'version': 1})])}
    p.op(b'}').put().str("_metadata").ordered_dict().str("").op(b'}').put().str("version").int(1).op(b's');
    p.op(b's').op(b's').op(b'b');
}

/// A complete protocol-2 pickle of an `OrderedDict` state_dict.
pub(crate) fn state_dict(specs: &[Spec], layout: Layout) -> Vec<u8> {
    let mut p = P::new();
    state_dict_body(&mut p, specs, layout);
    p.stop()
}

/// A torch zip checkpoint: `<prefix>/data.pkl`, `byteorder` (if given), `data/<key>`, `version`.
pub(crate) fn zip_file(prefix: &str, pkl: &[u8], storages: &[(&str, Vec<u8>)], byteorder: Option<&[u8]>) -> Vec<u8> {
    zip_file_with(prefix, pkl, storages, byteorder, zip::CompressionMethod::Stored)
}

pub(crate) fn zip_file_with(
    prefix: &str,
    pkl: &[u8],
    storages: &[(&str, Vec<u8>)],
    byteorder: Option<&[u8]>,
    method: zip::CompressionMethod,
) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(method).with_alignment(64);
    let mut record = |name: &str, data: &[u8]| {
        w.start_file(format!("{prefix}/{name}"), opts).unwrap();
        w.write_all(data).unwrap();
    };
    record("data.pkl", pkl);
    if let Some(b) = byteorder {
        record("byteorder", b);
    }
    for (key, data) in storages {
        record(&format!("data/{key}"), data);
    }
    record("version", b"3\n");
    w.finish().unwrap().into_inner()
}

/// The three pickles that open a legacy checkpoint.
pub(crate) fn legacy_header(little_endian: bool) -> Vec<u8> {
    let mut b = vec![0x80, 2, 0x8a, 10];
    b.extend_from_slice(&0x1950a86a20f9469cfc6c_u128.to_le_bytes()[..10]);
    b.push(b'.');
    b.extend_from_slice(b"\x80\x02M\xe9\x03.");
    let mut p = P::new();
    p.op(b'}').put().mark().str("protocol_version").int(1001).str("little_endian").op(if little_endian {
        0x88
    } else {
        0x89
    });
    p.str("type_sizes").op(b'}').put().mark().str("short").int(2).str("int").int(4).str("long").int(8).op(b'u');
    p.op(b'u');
    b.extend(p.stop());
    b
}

/// A legacy checkpoint: header, `pkl`, the key list, then each storage's count and bytes.
pub(crate) fn legacy_file(pkl: &[u8], storages: &[(&str, u64, Vec<u8>)]) -> Vec<u8> {
    let mut b = legacy_header(true);
    b.extend_from_slice(pkl);
    let mut keys = P::new();
    keys.op(b']').put();
    if storages.len() > 1 {
        keys.mark();
    }
    for (k, _, _) in storages {
        keys.str(k);
    }
    keys.op(if storages.len() > 1 { b'e' } else { b'a' });
    if storages.is_empty() {
        keys.b.pop();
    }
    b.extend(keys.stop());
    for (_, count, data) in storages {
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(data);
    }
    b
}

pub(crate) fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub(crate) fn f16_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| half::f16::from_f32(*x).to_le_bytes()).collect()
}

pub(crate) fn bf16_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| half::bf16::from_f32(*x).to_le_bytes()).collect()
}

pub(crate) fn f64_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| f64::from(*x).to_le_bytes()).collect()
}
