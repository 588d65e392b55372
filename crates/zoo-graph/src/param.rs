//! Initializers: trainable parameters, buffers and constants, with the recipe that produces
//! each one's reference values.

use crate::tensor::DType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Trained: weights, biases, BatchNorm scale and shift.
    Weight,
    /// Not trained but part of the weights (BatchNorm running mean and variance).
    Buffer,
    /// Part of the graph's definition (Dropout's ratio, a Reshape target).
    Constant,
}

/// How a parameter's reference values are made (see `weights::seeded` for the exact maths).
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// He/Kaiming uniform for ReLU networks: U(−b, b), b = √(6 / fan_in), so Var = 2 / fan_in.
    HeUniform {
        fan_in: usize,
    },
    /// LeCun uniform for a linear layer whose output is not rectified (a classifier's logits):
    /// U(−b, b), b = √(3 / fan_in), so Var = 1 / fan_in. He's factor 2 only makes up for a
    /// following ReLU, which logits do not have.
    LecunUniform {
        fan_in: usize,
    },
    /// U(low, high).
    Uniform {
        low: f32,
        high: f32,
    },
    F32(Vec<f32>),
    I64(Vec<i64>),
}

impl Init {
    pub fn dtype(&self) -> DType {
        match self {
            Init::I64(_) => DType::I64,
            _ => DType::F32,
        }
    }

    /// PyTorch's default bias initialisation: U(−1/√fan_in, 1/√fan_in).
    pub fn bias(fan_in: usize) -> Self {
        let b = (1.0 / (fan_in as f64).sqrt()) as f32;
        Init::Uniform { low: -b, high: b }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub dtype: DType,
    pub dims: Vec<usize>,
    pub kind: ParamKind,
    pub init: Init,
}

impl Param {
    pub fn numel(&self) -> usize {
        self.dims.iter().product()
    }
}
