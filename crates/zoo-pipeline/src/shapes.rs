//! `--shape NAME=DIMS`: concrete dimensions for a graph input whose file leaves some symbolic
//! (onnx.proto `TensorShapeProto.Dimension.dim_param`), and the shapes a run feeds.

use std::fmt;
use std::str::FromStr;

use zoo_ship::signature::{Dim, Tensor};

/// One input's concrete shape, as `--shape NAME=DIMS` gives it (`x=1,3,224,224` or
/// `x=1x3x224x224`, trtexec's spelling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub name: String,
    pub dims: Vec<usize>,
}

impl FromStr for Binding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, dims) = s.rsplit_once('=').ok_or_else(|| {
            format!("`{s}` is not NAME=DIMS: write the input's name, `=`, and its dimensions, e.g. x=1,3,224,224")
        })?;
        if name.is_empty() {
            return Err(format!("`{s}` names no input: write NAME=DIMS, e.g. x=1,3,224,224"));
        }
        let dims = dims
            .split([',', 'x'])
            .map(|d| d.trim().parse::<usize>().ok().filter(|&n| n > 0))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("`{dims}` in `{s}` is not a list of positive dimensions, e.g. 1,3,224,224"))?;
        Ok(Binding { name: name.to_string(), dims })
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self.dims.iter().map(usize::to_string).collect();
        write!(f, "{}={}", self.name, dims.join(","))
    }
}

/// Every binding names one of `inputs`; otherwise the reason, naming the inputs there are.
pub fn check_names(bindings: &[Binding], inputs: &[Tensor]) -> Result<(), String> {
    for b in bindings {
        if !inputs.iter().any(|i| i.name == b.name) {
            let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
            return Err(format!("--shape {b}: the file has no input `{}` (its inputs: {})", b.name, names.join(", ")));
        }
    }
    Ok(())
}

/// The shape `input` is fed with: its `--shape` binding (which must agree with every fixed
/// dimension), else its fixed dimensions with a symbolic first one (the batch) taken as `batch`.
/// A symbolic dimension past the first without a binding is an error naming the flag.
pub fn resolve(input: &Tensor, bindings: &[Binding], batch: usize) -> Result<Vec<usize>, String> {
    let declared = declared(input);
    if let Some(b) = bindings.iter().find(|b| b.name == input.name) {
        let agrees = b.dims.len() == input.dims.len()
            && input
                .dims
                .iter()
                .zip(&b.dims)
                .all(|(d, &n)| !matches!(d, Dim::Fixed(f) if usize::try_from(*f).ok() != Some(n)));
        if !agrees {
            return Err(format!("--shape {b} contradicts input `{}`, declared {declared}", input.name));
        }
        return Ok(b.dims.clone());
    }
    input
        .dims
        .iter()
        .enumerate()
        .map(|(k, d)| match d {
            Dim::Fixed(n) => usize::try_from(*n).ok().filter(|&n| n > 0),
            Dim::Symbolic if k == 0 => Some(batch),
            Dim::Symbolic => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            format!(
                "input `{}` is declared {declared}: its dimensions past the batch are symbolic; give them with --shape {}=…",
                input.name, input.name
            )
        })
}

pub use zoo_ship::signature::declared;

/// `proto` with its inputs' declared dimensions replaced by `bindings` (checked as [`resolve`]
/// checks them), so that zoo's analysis counts what a run at those shapes computes.
pub fn bind(proto: &mut zoo_proto::ModelProto, bindings: &[Binding]) -> Result<(), String> {
    use zoo_proto::tensor_shape_proto::{Dimension, dimension};
    if bindings.is_empty() {
        return Ok(());
    }
    let sig = zoo_ship::signature::signature(proto, "the file").map_err(|e| e.to_string())?;
    check_names(bindings, &sig.inputs)?;
    for t in &sig.inputs {
        let Some(b) = bindings.iter().find(|b| b.name == t.name) else { continue };
        let dims = resolve(t, bindings, 1)?;
        let Some(vi) =
            proto.graph.as_mut().and_then(|g| g.input.iter_mut().find(|v| v.name.as_deref() == Some(&b.name)))
        else {
            continue;
        };
        if let Some(zoo_proto::type_proto::Value::TensorType(tt)) = vi.r#type.as_mut().and_then(|t| t.value.as_mut()) {
            let shape = tt.shape.get_or_insert_with(Default::default);
            shape.dim = dims
                .iter()
                .map(|&n| Dimension { value: Some(dimension::Value::DimValue(n as i64)), ..Default::default() })
                .collect();
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn input(dims: Vec<Dim>) -> Tensor {
        Tensor { name: "x".into(), elem_type: 1, dims }
    }

    #[test]
    fn bindings_parse_both_spellings_and_refuse_the_rest() {
        let b: Binding = "x=1,3,224,224".parse().unwrap();
        assert_eq!(b, Binding { name: "x".into(), dims: vec![1, 3, 224, 224] });
        assert_eq!("in:0=1x3x8x8".parse::<Binding>().unwrap().dims, [1, 3, 8, 8]);
        for bad in ["x", "=1,2", "x=1,,2", "x=0,3", "x=-1,3", "x=a"] {
            assert!(bad.parse::<Binding>().is_err(), "{bad}");
        }
    }

    #[test]
    fn symbolic_dimensions_take_the_batch_or_a_binding_and_never_a_guess() {
        use Dim::{Fixed, Symbolic};
        let x = input(vec![Symbolic, Fixed(3), Symbolic, Symbolic]);
        let err = resolve(&x, &[], 2).unwrap_err();
        assert!(err.contains("[?,3,?,?]") && err.contains("--shape x="), "{err}");
        let b = [Binding { name: "x".into(), dims: vec![4, 3, 32, 48] }];
        assert_eq!(resolve(&x, &b, 2).unwrap(), [4, 3, 32, 48]);
        let wrong = [Binding { name: "x".into(), dims: vec![1, 1, 32, 32] }];
        assert!(resolve(&x, &wrong, 1).unwrap_err().contains("contradicts"));
        assert_eq!(resolve(&input(vec![Symbolic, Fixed(3)]), &[], 2).unwrap(), [2, 3]);
        assert!(check_names(&b, &[input(vec![])]).is_ok());
        assert!(
            check_names(&[Binding { name: "y".into(), dims: vec![1] }], &[input(vec![])])
                .unwrap_err()
                .contains("(its inputs: x)")
        );
    }
}
