//! Where a model's weight values come from while it is written: a seeded recipe (the zoo's
//! reference weights) or, later, a user's checkpoint. Sources fill one chunk at a time, so no
//! whole-network copy of the weights is ever held.

use crate::error::WeightError;
use crate::param::{Init, Param};
use crate::prng::Stream;

pub trait WeightSource: Sync {
    /// `metadata_props` entries that say where the weights came from.
    fn describe(&self) -> Vec<(String, String)>;

    /// Writes elements `offset..offset + out.len()` of `param` (row-major) into `out`.
    fn fill(&self, param: &Param, offset: usize, out: &mut [f32]) -> Result<(), WeightError>;
}

/// The reference weights: every parameter drawn from its [`Init`] recipe with the portable
/// generator of [`crate::prng`], keyed by seed and parameter name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub seed: u64,
}

impl Seeded {
    pub const RECIPE: &'static str = "zoo-splitmix64-v1: conv/fc weights He-uniform U(±√(6/fan_in)), \
        classifier head LeCun-uniform U(±√(3/fan_in)), biases U(±1/√fan_in), BatchNorm scale U(0.5,1.5), shift U(±0.25), running mean U(μ ± 0.25·σ), running var U(0.5·σ², 1.5·σ²) \
        with μ, σ² the predicted mean and variance of the layer's input (zoo_graph::signal)";
}

impl WeightSource for Seeded {
    fn describe(&self) -> Vec<(String, String)> {
        vec![
            ("weights.source".into(), "seeded".into()),
            ("weights.seed".into(), self.seed.to_string()),
            ("weights.recipe".into(), Self::RECIPE.into()),
        ]
    }

    fn fill(&self, param: &Param, offset: usize, out: &mut [f32]) -> Result<(), WeightError> {
        let stream = Stream::new(self.seed, &param.name);
        match &param.init {
            Init::HeUniform { fan_in } => {
                let bound = (6.0 / *fan_in as f64).sqrt();
                stream.fill_uniform(offset, -bound, bound, out);
            }
            Init::LecunUniform { fan_in } => {
                let bound = (3.0 / *fan_in as f64).sqrt();
                stream.fill_uniform(offset, -bound, bound, out);
            }
            Init::Uniform { low, high } => stream.fill_uniform(offset, f64::from(*low), f64::from(*high), out),
            Init::F32(values) => {
                let src = values.get(offset..offset + out.len()).ok_or_else(|| WeightError::Param {
                    name: param.name.clone(),
                    reason: "constant is shorter than its shape".into(),
                })?;
                out.copy_from_slice(src);
            }
            Init::I64(_) => {
                return Err(WeightError::Param {
                    name: param.name.clone(),
                    reason: "integer constant asked for as f32".into(),
                });
            }
        }
        Ok(())
    }
}

/// No weights at all: for graphs whose every tensor holds its own bytes (a model read from a
/// file). Asking it for a parameter is an internal error, reported as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoWeights;

impl WeightSource for NoWeights {
    fn describe(&self) -> Vec<(String, String)> {
        vec![]
    }

    fn fill(&self, param: &Param, _: usize, _: &mut [f32]) -> Result<(), WeightError> {
        Err(WeightError::Param {
            name: param.name.clone(),
            reason: "no weight source for a graph read from a file".into(),
        })
    }
}
