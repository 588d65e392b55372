//! A model's served inputs and outputs, read from its `GraphProto` (onnx.proto: graph inputs
//! that are also initializers are not fed by clients, IR ≥ 4).

use std::collections::HashSet;

use zoo_proto::{ModelProto, ValueInfoProto, tensor_shape_proto::dimension, type_proto};

use crate::ShipError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dim {
    Fixed(i64),
    /// `dim_param`, or a dimension with neither value nor name.
    Symbolic,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tensor {
    pub name: String,
    /// `TensorProto.DataType` number.
    pub elem_type: i32,
    pub dims: Vec<Dim>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub inputs: Vec<Tensor>,
    pub outputs: Vec<Tensor>,
}

pub fn signature(model: &ModelProto, file: &str) -> Result<Signature, ShipError> {
    let graph = model.graph.as_ref().ok_or_else(|| ShipError::Options { file: file.into(), reason: "the model has no graph".into() })?;
    let fed_by_file: HashSet<&str> = graph.initializer.iter().filter_map(|t| t.name.as_deref()).collect();
    let read = |what: &'static str, v: &ValueInfoProto| tensor(file, what, v);
    let inputs = graph
        .input
        .iter()
        .filter(|v| !fed_by_file.contains(v.name.as_deref().unwrap_or("")))
        .map(|v| read("input", v))
        .collect::<Result<Vec<_>, _>>()?;
    let outputs = graph.output.iter().map(|v| read("output", v)).collect::<Result<Vec<_>, _>>()?;
    Ok(Signature { inputs, outputs })
}

fn tensor(file: &str, what: &'static str, v: &ValueInfoProto) -> Result<Tensor, ShipError> {
    let name = v.name.clone().unwrap_or_default();
    let bad = |reason: &str| ShipError::Tensor { file: file.into(), what, tensor: name.clone(), reason: reason.into() };
    let Some(type_proto::Value::TensorType(t)) = v.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return Err(bad("is not a dense tensor; Triton's onnxruntime backend serves tensors only"));
    };
    let shape = t.shape.as_ref().ok_or_else(|| bad("has no shape; Triton needs its rank (run ONNX shape inference first)"))?;
    let dims = shape
        .dim
        .iter()
        .map(|d| match d.value {
            Some(dimension::Value::DimValue(n)) => Dim::Fixed(n),
            _ => Dim::Symbolic,
        })
        .collect();
    Ok(Tensor { name, elem_type: t.elem_type.unwrap_or(0), dims })
}
