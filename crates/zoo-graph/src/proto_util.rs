//! Small constructors and readers of ONNX protobuf messages.

use zoo_proto::tensor_shape_proto::{Dimension, dimension};
use zoo_proto::{TensorProto, TensorShapeProto, TypeProto, ValueInfoProto, type_proto};

use crate::param::{Init, Param};
use crate::tensor::{DType, Dim, TensorInfo};

pub fn value_info(name: &str, info: &TensorInfo) -> ValueInfoProto {
    let dim = info
        .shape
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Dim::Known(n) => dimension::Value::DimValue(*n as i64),
                Dim::Sym(s) => dimension::Value::DimParam(s.clone()),
            }),
            denotation: None,
        })
        .collect();
    ValueInfoProto {
        name: Some(name.to_string()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(info.dtype.onnx() as i32),
                shape: Some(TensorShapeProto { dim }),
            })),
            denotation: None,
        }),
        ..Default::default()
    }
}

/// The tensor type recorded in a `ValueInfoProto`, if it is a tensor of a type zoo knows.
/// A dimension with neither value nor name becomes a fresh symbol.
pub fn tensor_info(vi: &ValueInfoProto) -> Option<TensorInfo> {
    let Some(type_proto::Value::TensorType(t)) = vi.r#type.as_ref()?.value.as_ref() else {
        return None;
    };
    let dtype = DType::from_onnx(t.elem_type?)?;
    let shape = t.shape.as_ref()?;
    let dims = shape
        .dim
        .iter()
        .enumerate()
        .map(|(i, d)| match &d.value {
            Some(dimension::Value::DimValue(n)) if *n >= 0 => Dim::Known(*n as usize),
            Some(dimension::Value::DimParam(s)) if !s.is_empty() => Dim::Sym(s.clone()),
            _ => Dim::Sym(format!("?{i}")),
        })
        .collect();
    Some(TensorInfo::new(dtype, dims))
}

/// An initializer without its data (constants keep theirs: they are small and part of the
/// graph's meaning).
pub fn tensor_skeleton(p: &Param) -> TensorProto {
    let raw = match &p.init {
        Init::F32(v) => Some(v.iter().flat_map(|x| x.to_le_bytes()).collect::<prost::bytes::Bytes>()),
        Init::I64(v) => Some(v.iter().flat_map(|x| x.to_le_bytes()).collect::<prost::bytes::Bytes>()),
        _ => None,
    };
    TensorProto {
        dims: p.dims.iter().map(|&d| d as i64).collect(),
        data_type: Some(p.dtype.onnx() as i32),
        name: Some(p.name.clone()),
        raw_data: raw,
        ..Default::default()
    }
}

/// The integer contents of a small int64 initializer (raw or in `int64_data`).
pub fn tensor_i64(t: &TensorProto) -> Option<Vec<i64>> {
    if DType::from_onnx(t.data_type?)? != DType::I64 {
        return None;
    }
    if let Some(raw) = &t.raw_data {
        return Some(raw.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect());
    }
    Some(t.int64_data.clone())
}
