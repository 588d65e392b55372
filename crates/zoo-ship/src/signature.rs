//! A model's served inputs and outputs, read from its `GraphProto` (onnx.proto: graph inputs
//! that are also initializers are not fed by clients, IR ≥ 4).

use std::collections::HashSet;

use zoo_proto::{ModelProto, ValueInfoProto, tensor_shape_proto::dimension, type_proto};

use crate::ShipError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dim {
    Fixed(i64),
    /// `dim_param`, a negative `dim_value` (-1, as some exporters mark dynamic dimensions), or a
    /// dimension with neither value nor name.
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

/// `[?,3,?,?]`: a declared shape as messages print it.
pub fn declared(t: &Tensor) -> String {
    let dims: Vec<String> = t
        .dims
        .iter()
        .map(|d| match d {
            Dim::Fixed(n) => n.to_string(),
            Dim::Symbolic => "?".into(),
        })
        .collect();
    format!("[{}]", dims.join(","))
}

pub fn signature(model: &ModelProto, file: &str) -> Result<Signature, ShipError> {
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| ShipError::Options { file: file.into(), reason: "the model has no graph".into() })?;
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
    let shape =
        t.shape.as_ref().ok_or_else(|| bad("has no shape; Triton needs its rank (run ONNX shape inference first)"))?;
    let dims = shape
        .dim
        .iter()
        .map(|d| match d.value {
            // Some exporters write -1 for a dynamic dimension (tf2onnx, old Keras): it is one.
            Some(dimension::Value::DimValue(n)) if n >= 0 => Dim::Fixed(n),
            _ => Dim::Symbolic,
        })
        .collect();
    Ok(Tensor { name, elem_type: t.elem_type.unwrap_or(0), dims })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use zoo_proto::tensor_shape_proto::Dimension;
    use zoo_proto::{GraphProto, TensorProto, TensorShapeProto, TypeProto};

    use super::*;

    fn vi(name: &str, dims: Option<Vec<Option<dimension::Value>>>) -> ValueInfoProto {
        let shape = dims.map(|d| TensorShapeProto {
            dim: d.into_iter().map(|value| Dimension { value, ..Default::default() }).collect(),
        });
        ValueInfoProto {
            name: Some(name.into()),
            r#type: Some(TypeProto {
                value: Some(type_proto::Value::TensorType(type_proto::Tensor { elem_type: Some(1), shape })),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn model(inputs: Vec<ValueInfoProto>) -> ModelProto {
        let graph = GraphProto {
            input: inputs,
            output: vec![vi("y", Some(vec![Some(dimension::Value::DimParam("N".into())), None]))],
            initializer: vec![TensorProto { name: Some("w".into()), ..Default::default() }],
            ..Default::default()
        };
        ModelProto { graph: Some(graph), ..Default::default() }
    }

    #[test]
    fn initializers_are_not_served_inputs() {
        let m = model(vec![vi("x", Some(vec![Some(dimension::Value::DimValue(2))])), vi("w", Some(vec![]))]);
        let s = signature(&m, "f.onnx").unwrap();
        assert_eq!(s.inputs, vec![Tensor { name: "x".into(), elem_type: 1, dims: vec![Dim::Fixed(2)] }]);
        assert_eq!(s.outputs[0].dims, vec![Dim::Symbolic, Dim::Symbolic]);
    }

    #[test]
    fn missing_shape_is_named() {
        let e = signature(&model(vec![vi("x", None)]), "f.onnx").unwrap_err().to_string();
        assert!(e.contains("f.onnx") && e.contains("input `x`") && e.contains("no shape"), "{e}");
    }
}
