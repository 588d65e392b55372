//! Which ONNX opsets zoo emits, and the IR version that goes with each.
//!
//! IR versions follow onnx's `helper.VERSION_TABLE` (onnx 1.8 = opset 13 / IR 7 …
//! onnx 1.16 = opset 21 / IR 10): a file must declare the IR version of the release that
//! introduced its opset, or older runtimes refuse it.

use crate::error::GraphError;

/// An ONNX default-domain opset in the range zoo supports (13..=21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Opset(u8);

impl Opset {
    pub const MIN: i64 = 13;
    pub const MAX: i64 = 21;
    pub const DEFAULT: Opset = Opset(17);

    pub fn new(version: i64) -> Result<Self, GraphError> {
        if (Self::MIN..=Self::MAX).contains(&version) {
            Ok(Opset(version as u8))
        } else {
            Err(GraphError::Opset(version))
        }
    }

    pub fn version(self) -> i64 {
        i64::from(self.0)
    }

    pub fn ir_version(self) -> i64 {
        match self.0 {
            ..=14 => 7,
            15..=18 => 8,
            19..=20 => 9,
            _ => 10,
        }
    }
}

impl Default for Opset {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl std::fmt::Display for Opset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_and_ir_versions() {
        assert!(Opset::new(12).is_err());
        assert!(Opset::new(22).is_err());
        let ir: Vec<i64> = (13..=21).map(|v| Opset::new(v).unwrap().ir_version()).collect();
        assert_eq!(ir, [7, 7, 8, 8, 8, 8, 9, 9, 10]);
    }
}
