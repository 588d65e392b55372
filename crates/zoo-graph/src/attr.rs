//! Building and reading `AttributeProto`s. Every attribute zoo writes carries its `type`
//! field: the ONNX spec requires it for IR ≥ 0.0.2 and tract rejects attributes without it.

use zoo_proto::attribute_proto::AttributeType;
use zoo_proto::{AttributeProto, NodeProto};

pub fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Int as i32),
        i: Some(value),
        ..Default::default()
    }
}

pub fn ints(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Ints as i32),
        ints: values.to_vec(),
        ..Default::default()
    }
}

pub fn float(name: &str, value: f32) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Float as i32),
        f: Some(value),
        ..Default::default()
    }
}

pub fn string(name: &str, value: &str) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::String as i32),
        s: Some(value.as_bytes().to_vec()),
        ..Default::default()
    }
}

pub fn tensor(name: &str, value: zoo_proto::TensorProto) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Tensor as i32),
        t: Some(value),
        ..Default::default()
    }
}

fn find<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name.as_deref() == Some(name))
}

pub fn get_int(node: &NodeProto, name: &str) -> Option<i64> {
    find(node, name).and_then(|a| a.i)
}

pub fn get_ints(node: &NodeProto, name: &str) -> Option<Vec<i64>> {
    find(node, name).map(|a| a.ints.clone())
}

pub fn get_float(node: &NodeProto, name: &str) -> Option<f32> {
    find(node, name).and_then(|a| a.f)
}

pub fn get_floats(node: &NodeProto, name: &str) -> Option<Vec<f32>> {
    find(node, name).map(|a| a.floats.clone())
}

pub fn get_tensor<'a>(node: &'a NodeProto, name: &str) -> Option<&'a zoo_proto::TensorProto> {
    find(node, name).and_then(|a| a.t.as_ref())
}

pub fn get_string(node: &NodeProto, name: &str) -> Option<String> {
    find(node, name).and_then(|a| a.s.as_ref()).map(|s| String::from_utf8_lossy(s).into_owned())
}

/// A list of non-negative integers, converted to `usize`.
pub fn get_usizes(node: &NodeProto, name: &str) -> Result<Option<Vec<usize>>, crate::ShapeError> {
    get_ints(node, name)
        .map(|v| {
            v.iter().map(|&x| usize::try_from(x)).collect::<Result<Vec<_>, _>>().map_err(|_| {
                crate::ShapeError::Attribute { name: name.into(), reason: format!("negative value in {v:?}") }
            })
        })
        .transpose()
}
