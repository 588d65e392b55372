//! `TensorProto` files: the ONNX Model Zoo's golden test data (`test_data_set_0/input_0.pb`,
//! `output_0.pb`), one serialized `onnx.TensorProto` message per file (see `TensorProto` in
//! `proto/onnx.proto`, ONNX 1.23.2).
//!
//! Writing produces exactly what `onnx.numpy_helper.from_array(array, name)` serializes for a
//! float32 array — `dims`, `data_type = FLOAT`, `name` (omitted when empty), `raw_data` as
//! little-endian IEEE 754 — so `onnx.load_tensor` reads zoo's files and the bytes match onnx's
//! own (a unit test holds them to a fixture made by onnx 1.23.2). Reading accepts the two ways
//! a float tensor is stored inline, `raw_data` and `float_data`; external data, segments and
//! other element types are refused with the reason, never misread.

use std::io::Write;
use std::path::Path;

use prost::Message;
use zoo_proto::TensorProto;
use zoo_proto::tensor_proto::{DataLocation, DataType};

use crate::error::RuntimeError;
use crate::tensor::{IntType, Tensor};

/// Serializes `t` as a `TensorProto` with `raw_data` (as `numpy_helper.from_array` writes it).
pub fn encode_tensor(t: &Tensor) -> Vec<u8> {
    let (raw, data_type): (Vec<u8>, i32) = match &t.ints {
        Some(i) => (i.ty.to_le_bytes(&i.values), i.ty.onnx()),
        None => (t.data.iter().flat_map(|x| x.to_le_bytes()).collect(), DataType::Float as i32),
    };
    TensorProto {
        dims: t.shape.iter().map(|&d| d as i64).collect(),
        data_type: Some(data_type),
        // onnx's `from_array` leaves the field unset for an empty name; matching it keeps the
        // bytes identical.
        name: (!t.name.is_empty()).then(|| t.name.clone()),
        raw_data: Some(raw.into()),
        ..Default::default()
    }
    .encode_to_vec()
}

/// Parses a serialized float, integer or boolean `TensorProto`; the error says what is wrong with it.
pub fn decode_tensor(bytes: &[u8]) -> Result<Tensor, String> {
    if bytes.is_empty() {
        return Err("empty file, not a TensorProto".into());
    }
    // Decoding allocates per entry, up to 48 bytes for 2 on disk: bounded before it starts.
    let structure = zoo_graph::wire_limits::tensor_structure_bytes(bytes).unwrap_or(0);
    if structure > zoo_graph::wire_limits::MAX_STRUCTURE_BYTES {
        return Err(format!(
            "decoding it would take {} MiB, more than the {} MiB zoo allows; nothing was decoded",
            structure.div_ceil(1 << 20),
            zoo_graph::wire_limits::MAX_STRUCTURE_BYTES >> 20
        ));
    }
    let p = TensorProto::decode(bytes).map_err(|e| format!("not a TensorProto ({e})"))?;
    let name = p.name.clone().unwrap_or_default();
    let dtype = p.data_type.unwrap_or(DataType::Undefined as i32);
    let int_type = IntType::from_onnx(dtype);
    if dtype != DataType::Float as i32 && int_type.is_none() {
        let type_name = DataType::try_from(dtype)
            .map(|d| d.as_str_name().to_string())
            .unwrap_or_else(|_| format!("unknown data type {dtype}"));
        return Err(format!(
            "tensor `{name}` is {type_name}; zoo reads FLOAT, BOOL and integer tensors up to INT64 (not UINT64)"
        ));
    }
    if p.data_location == Some(DataLocation::External as i32) || !p.external_data.is_empty() {
        return Err(format!("tensor `{name}` keeps its data in an external file; only inline data is supported"));
    }
    if p.segment.is_some() {
        return Err(format!("tensor `{name}` is a segment of a larger tensor; only whole tensors are supported"));
    }
    let shape = p
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("tensor `{name}` has dimension {d}")))
        .collect::<Result<Vec<usize>, String>>()?;
    let numel = shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| format!("tensor `{name}` has dims {shape:?}, too many elements"))?;
    let raw = p.raw_data.as_deref().unwrap_or_default();
    if let Some(ty) = int_type {
        return decode_ints(&p, name, shape, numel, ty);
    }
    let data = match (raw.is_empty(), p.float_data.is_empty()) {
        (false, false) => {
            return Err(format!("tensor `{name}` has both raw_data and float_data; exactly one may hold the values"));
        }
        (false, true) => {
            if Some(raw.len()) != numel.checked_mul(4) {
                return Err(format!(
                    "tensor `{name}` has dims {shape:?} ({numel} floats, {} bytes) but {} bytes of raw_data",
                    numel.saturating_mul(4),
                    raw.len()
                ));
            }
            raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
        }
        (true, _) => {
            if p.float_data.len() != numel {
                return Err(format!(
                    "tensor `{name}` has dims {shape:?} ({numel} floats) but {} values of float_data",
                    p.float_data.len()
                ));
            }
            p.float_data
        }
    };
    Ok(Tensor::new(name, shape, data))
}

/// The values of an integer or boolean `TensorProto`: `raw_data` (little-endian, the type's
/// width), else the typed field onnx.proto assigns the type (`int32_data` for types up to 32
/// bits but UINT32, `int64_data` for INT64, `uint64_data` for UINT32).
fn decode_ints(p: &TensorProto, name: String, shape: Vec<usize>, numel: usize, ty: IntType) -> Result<Tensor, String> {
    let raw = p.raw_data.as_deref().unwrap_or_default();
    let typed: Vec<i64> = match ty {
        IntType::I64 => p.int64_data.clone(),
        IntType::U32 => p.uint64_data.iter().map(|&v| v as i64).collect(),
        _ => p.int32_data.iter().map(|&v| i64::from(v)).collect(),
    };
    let values = match (raw.is_empty(), typed.is_empty()) {
        (false, false) => {
            return Err(format!("tensor `{name}` has both raw_data and typed data; exactly one may hold the values"));
        }
        (false, true) => {
            if Some(raw.len()) != numel.checked_mul(ty.bytes()) {
                return Err(format!(
                    "tensor `{name}` has dims {shape:?} ({numel} {} values, {} bytes) but {} bytes of raw_data",
                    ty.name(),
                    numel.saturating_mul(ty.bytes()),
                    raw.len()
                ));
            }
            ty.from_le_bytes(raw).unwrap_or_default()
        }
        (true, _) => typed,
    };
    if values.len() != numel {
        return Err(format!("tensor `{name}` has dims {shape:?} ({numel} values) but {} values", values.len()));
    }
    if let Some(v) = values.iter().find(|v| !ty.range().contains(v)) {
        return Err(format!("tensor `{name}` is {} but holds {v}", ty.name()));
    }
    Ok(Tensor::int(name, shape, ty, values))
}

/// Reads a `.pb` tensor file.
pub fn read_tensor(path: &Path) -> Result<Tensor, RuntimeError> {
    let read_err = |reason: String| RuntimeError::Read { path: path.to_path_buf(), reason };
    let bytes = std::fs::read(path).map_err(|e| read_err(e.to_string()))?;
    decode_tensor(&bytes).map_err(read_err)
}

/// Writes `t` to `path` as a `.pb` tensor file, atomically: a temporary file in the same
/// directory renamed into place, so a reader never sees half a tensor.
pub fn write_tensor(path: &Path, t: &Tensor) -> Result<(), RuntimeError> {
    let write_err = |reason: String| RuntimeError::Write { path: path.to_path_buf(), reason };
    // `Tensor::new` only checks this in debug builds; a file with inconsistent dims would be
    // refused by every reader, so refuse to write it.
    if t.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) != Some(t.numel()) {
        return Err(write_err(format!("tensor `{}` has shape {:?} but {} values", t.name, t.shape, t.numel())));
    }
    // The project's one atomic-write helper: temp file beside the target, fsync, rename, fsync
    // of the folder.
    let mut tmp = zoo_graph::write::temp_beside(path, ".pb.part").map_err(|e| write_err(e.to_string()))?;
    tmp.write_all(&encode_tensor(t)).map_err(|e| write_err(e.to_string()))?;
    zoo_graph::write::persist(tmp, path).map_err(|e| write_err(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `onnx.numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), 'x')
    /// .SerializeToString()` with onnx 1.23.2.
    const ONNX_ARANGE_2X3: [u8; 35] = [
        8, 2, 8, 3, 16, 1, 66, 1, 120, 74, 24, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0,
        0, 160, 64,
    ];
    /// `onnx.helper.make_tensor('y', TensorProto.FLOAT, [2, 2], [1.5, -2, 0.25, 3])`: values in
    /// (packed) `float_data`.
    const ONNX_FLOAT_DATA_2X2: [u8; 27] =
        [8, 2, 8, 2, 16, 1, 34, 16, 0, 0, 192, 63, 0, 0, 0, 192, 0, 0, 128, 62, 0, 0, 64, 64, 66, 1, 121];
    /// `onnx.helper.make_tensor('z', TensorProto.INT64, [2], [1, 2])`.
    const ONNX_INT64: [u8; 11] = [8, 2, 16, 7, 58, 2, 1, 2, 66, 1, 122];

    fn arange() -> Tensor {
        Tensor::new("x", vec![2, 3], (0..6).map(|i| i as f32).collect())
    }

    #[test]
    fn encoding_matches_onnx_byte_for_byte() {
        assert_eq!(encode_tensor(&arange()), ONNX_ARANGE_2X3);
        assert_eq!(decode_tensor(&ONNX_ARANGE_2X3).unwrap(), arange());
    }

    #[test]
    fn float_data_is_read() {
        let t = decode_tensor(&ONNX_FLOAT_DATA_2X2).unwrap();
        assert_eq!(t, Tensor::new("y", vec![2, 2], vec![1.5, -2.0, 0.25, 3.0]));
    }

    /// `onnx.numpy_helper.from_array(np.array([[1, 0], [0, 1]], dtype=bool), 'm')` and
    /// `from_array(np.array([-3, 70000], dtype=np.int32), 'k')` with onnx 1.23.2;
    /// `encode_tensor` writes the same bytes.
    const ONNX_BOOL_2X2: [u8; 15] = [8, 2, 8, 2, 16, 9, 66, 1, 109, 74, 4, 1, 0, 0, 1];
    const ONNX_INT32_RAW: [u8; 17] = [8, 2, 16, 6, 66, 1, 107, 74, 8, 253, 255, 255, 255, 112, 17, 1, 0];

    #[test]
    fn integer_and_bool_tensors_are_read_exactly() {
        assert_eq!(decode_tensor(&ONNX_INT64).unwrap(), Tensor::int("z", vec![2], IntType::I64, vec![1, 2]));
        let m = decode_tensor(&ONNX_BOOL_2X2).unwrap();
        assert_eq!(m, Tensor::int("m", vec![2, 2], IntType::Bool, vec![1, 0, 0, 1]));
        let k = decode_tensor(&ONNX_INT32_RAW).unwrap();
        assert_eq!(k, Tensor::int("k", vec![2], IntType::I32, vec![-3, 70000]));
        assert_eq!(encode_tensor(&m), ONNX_BOOL_2X2);
        assert_eq!(encode_tensor(&k), ONNX_INT32_RAW);
        // Every type round-trips its extremes.
        for ty in IntType::ALL {
            let t = Tensor::int("t", vec![2], ty, vec![*ty.range().start(), *ty.range().end()]);
            assert_eq!(decode_tensor(&encode_tensor(&t)).unwrap(), t, "{ty:?}");
        }
    }

    #[test]
    fn other_types_are_named() {
        // `from_array(np.array([1.0], dtype=np.float64), 'd')`.
        let f64_tensor = TensorProto {
            dims: vec![1],
            data_type: Some(11),
            name: Some("d".into()),
            raw_data: Some(vec![0u8; 8].into()),
            ..Default::default()
        };
        let err = decode_tensor(&f64_tensor.encode_to_vec()).unwrap_err();
        assert!(err.starts_with("tensor `d` is DOUBLE; zoo reads FLOAT, BOOL and integer"), "{err}");
    }

    #[test]
    fn truncated_and_corrupt_bytes_are_rejected() {
        // Every proper prefix fails: either protobuf cannot parse it, or the fields it has
        // disagree (no data, or fewer bytes than the dims need).
        for n in 0..ONNX_ARANGE_2X3.len() {
            assert!(decode_tensor(&ONNX_ARANGE_2X3[..n]).is_err(), "prefix of {n} bytes accepted");
        }
        let err = decode_tensor(&ONNX_ARANGE_2X3[..30]).unwrap_err();
        assert!(err.starts_with("not a TensorProto"), "{err}");
        assert!(decode_tensor(b"\xff\xff\xff\xff").is_err());
        assert_eq!(decode_tensor(&[]).unwrap_err(), "empty file, not a TensorProto");
    }

    /// 45 MB of empty `external_data` entries would decode to over 1 GiB (more with `Vec` growth).
    #[test]
    fn a_file_that_would_decode_past_the_limit_is_refused() {
        let entry = std::mem::size_of::<zoo_proto::StringStringEntryProto>() as u64;
        let n = (zoo_graph::wire_limits::MAX_STRUCTURE_BYTES / entry + 1) as usize;
        let bytes: Vec<u8> = std::iter::repeat_n([0x6a_u8, 0x00], n).flatten().collect();
        let err = decode_tensor(&bytes).unwrap_err();
        assert!(err.contains("more than the 1024 MiB zoo allows; nothing was decoded"), "{err}");
    }

    #[test]
    fn inconsistent_dims_are_rejected() {
        let mut p = TensorProto::decode(&ONNX_ARANGE_2X3[..]).unwrap();
        p.dims = vec![2, 4];
        let err = decode_tensor(&p.encode_to_vec()).unwrap_err();
        assert_eq!(err, "tensor `x` has dims [2, 4] (8 floats, 32 bytes) but 24 bytes of raw_data");
        p.dims = vec![-1, 3];
        let err = decode_tensor(&p.encode_to_vec()).unwrap_err();
        assert_eq!(err, "tensor `x` has dimension -1");
        let mut q = TensorProto::decode(&ONNX_FLOAT_DATA_2X2[..]).unwrap();
        q.dims = vec![5];
        assert!(decode_tensor(&q.encode_to_vec()).unwrap_err().contains("4 values of float_data"));
        q.raw_data = Some(vec![0; 16].into());
        q.dims = vec![4];
        assert!(decode_tensor(&q.encode_to_vec()).unwrap_err().contains("both"));
        let mut e = TensorProto::decode(&ONNX_ARANGE_2X3[..]).unwrap();
        e.data_location = Some(DataLocation::External as i32);
        assert!(decode_tensor(&e.encode_to_vec()).unwrap_err().contains("external"));
    }

    #[test]
    fn files_round_trip_and_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("input_0.pb");
        let t = Tensor::new("input", vec![1, 3, 2, 2], (0..12).map(|i| i as f32 * 0.5 - 2.0).collect());
        write_tensor(&path, &t).unwrap();
        assert_eq!(read_tensor(&path).unwrap(), t);
        assert_eq!(std::fs::read(&path).unwrap(), encode_tensor(&t));
        // Only the file itself is left behind, no temporary.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        std::fs::write(&path, &ONNX_ARANGE_2X3[..20]).unwrap();
        let err = read_tensor(&path).unwrap_err();
        assert!(matches!(&err, RuntimeError::Read { path: p, .. } if p == &path));
        assert!(err.to_string().contains("input_0.pb"), "{err}");

        let missing = dir.path().join("missing.pb");
        assert!(matches!(read_tensor(&missing), Err(RuntimeError::Read { .. })));

        let bad = Tensor { name: "b".into(), shape: vec![2, 2], data: vec![0.0; 3], ints: None };
        assert!(matches!(write_tensor(&dir.path().join("b.pb"), &bad), Err(RuntimeError::Write { .. })));
        assert!(matches!(write_tensor(&dir.path().join("no/such/dir/c.pb"), &t), Err(RuntimeError::Write { .. })));
    }

    proptest! {
        #[test]
        fn round_trip_is_bit_exact(
            name in "[a-z_.0-9]{0,12}",
            shape in proptest::collection::vec(0usize..4, 0..4),
            seed in any::<u64>(),
        ) {
            let n: usize = shape.iter().product();
            // Arbitrary bit patterns, NaNs and infinities included, must survive unchanged.
            let data: Vec<f32> = (0..n as u64)
                .map(|i| f32::from_bits((seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)) as u32))
                .collect();
            let t = Tensor::new(name, shape, data);
            let back = decode_tensor(&encode_tensor(&t)).unwrap();
            prop_assert_eq!(&back.name, &t.name);
            prop_assert_eq!(&back.shape, &t.shape);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&back.data), bits(&t.data));
        }
    }
}
