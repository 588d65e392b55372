//! A finished network: the ONNX model without its weight bytes, plus the recipe of every
//! initializer. The serializer streams the weights into the file from a [`crate::WeightSource`].

use zoo_proto::ModelProto;

use crate::param::{Param, ParamKind};

pub struct Model {
    /// The whole model; parameter initializers carry name, type and dims but no data
    /// (constants carry theirs).
    pub proto: ModelProto,
    pub params: Vec<Param>,
}

impl Model {
    /// Trainable parameters (BatchNorm running statistics and helper constants excluded).
    pub fn trainable_count(&self) -> usize {
        self.params.iter().filter(|p| p.kind == ParamKind::Weight).map(Param::numel).sum()
    }

    /// Bytes of weights and buffers as stored in the file.
    pub fn weight_bytes(&self) -> usize {
        self.params.iter().filter(|p| p.kind != ParamKind::Constant).map(|p| p.numel() * p.dtype.size()).sum()
    }
}
