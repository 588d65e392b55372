//! A named, dense, row-major f32 tensor: what zoo feeds runtimes and reads back.

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
