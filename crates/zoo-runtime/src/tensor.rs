//! A named, dense, row-major f32 tensor: what zoo feeds runtimes and reads back.

use crate::error::RuntimeError;

#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Tensor {
    pub fn new(name: impl Into<String>, shape: Vec<usize>, data: Vec<f32>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Tensor { name: name.into(), shape, data }
    }

    pub fn numel(&self) -> usize {
        self.data.len()
    }

    /// The batch size (first dimension), 1 for scalars.
    pub fn batch(&self) -> usize {
        self.shape.first().copied().unwrap_or(1)
    }

    /// Elements per batch item.
    pub fn per_item(&self) -> usize {
        self.shape.iter().skip(1).product()
    }

    /// The `b`-th batch item as a slice.
    pub fn item(&self, b: usize) -> &[f32] {
        let n = self.per_item();
        &self.data[b * n..(b + 1) * n]
    }
}

/// The tensors of `given` in the order of `fixed` (a static-shape runner's inputs: name and the
/// shape it was compiled for), refusing a tensor the model has no input for, a missing input
/// and a shape other than the compiled one (`engine`: "tract plan was built", say).
pub(crate) fn match_static<'a>(
    given: &'a [Tensor],
    fixed: &[(String, Vec<usize>)],
    engine: &str,
) -> Result<Vec<&'a Tensor>, RuntimeError> {
    if let Some(t) = given.iter().find(|t| !fixed.iter().any(|(n, _)| *n == t.name)) {
        return Err(RuntimeError::Mismatch(format!(
            "the model has no input `{}` (its inputs: {})",
            t.name,
            fixed.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    fixed
        .iter()
        .map(|(name, shape)| {
            let t = given
                .iter()
                .find(|t| t.name == *name)
                .ok_or_else(|| RuntimeError::Mismatch(format!("no value given for input `{name}`")))?;
            if t.shape != *shape {
                return Err(RuntimeError::Mismatch(format!(
                    "input `{name}` has shape {:?}, but the {engine} for {shape:?}",
                    t.shape
                )));
            }
            Ok(t)
        })
        .collect()
}
