//! Weights from files: read a checkpoint, bind its tensors to a graph's parameters by name
//! (every shape checked), and stream them into the ONNX file as a [`zoo_graph::WeightSource`].
//! Files: safetensors and PyTorch checkpoints (`.pth`, both torch.save formats), chosen by
//! content ([`open_weights`]). Also the reverse: save a model's reference weights as safetensors.

mod error;
mod pth;
mod safetensors_file;

pub use error::LoadError;
pub use pth::{BoundWeights, PthBound, PthDtype, PthFile, PthFormat, WeightsFile, check_published_name, open_weights};
pub use safetensors_file::{Bound, CLAIMED_SHA256_KEY, SafetensorsFile, save_safetensors};

/// PyTorch's BatchNorm counter, present in every `state_dict` with BatchNorm; not a weight.
pub(crate) fn ignored(name: &str) -> bool {
    name.ends_with(".num_batches_tracked")
}

/// Checks that a file holds exactly the weights and buffers of `params` — every name (PyTorch's
/// counters and keys under `skip` aside), every shape, a float dtype zoo reads — and nothing
/// else. `tensor(name)` gives a key's shape and, if zoo cannot read its dtype, that dtype's name.
pub(crate) fn check_binding<'k>(
    path: &std::path::Path,
    params: &[zoo_graph::Param],
    keys: &[&str],
    skip: &[&str],
    tensor: impl Fn(&str) -> (&'k [usize], Option<String>),
) -> Result<(), LoadError> {
    let path = || path.to_path_buf();
    let wanted: Vec<&zoo_graph::Param> = params.iter().filter(|p| p.kind != zoo_graph::ParamKind::Constant).collect();
    let missing: Vec<&str> =
        wanted.iter().filter(|p| !keys.contains(&p.name.as_str())).map(|p| p.name.as_str()).collect();
    if !missing.is_empty() {
        return Err(LoadError::Missing { path: path(), count: missing.len(), names: list(&missing) });
    }
    let mut extra: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !ignored(k) && !skip.iter().any(|s| k.starts_with(s)) && !wanted.iter().any(|p| p.name == *k))
        .collect();
    extra.sort_unstable();
    if !extra.is_empty() {
        return Err(LoadError::Extra { path: path(), count: extra.len(), names: list(&extra) });
    }
    for p in wanted {
        let (shape, unreadable) = tensor(&p.name);
        if shape != p.dims.as_slice() {
            return Err(LoadError::Shape {
                path: path(),
                name: p.name.clone(),
                expected: p.dims.clone(),
                got: shape.to_vec(),
            });
        }
        if let Some(dtype) = unreadable {
            return Err(LoadError::Dtype { path: path(), name: p.name.clone(), dtype });
        }
    }
    Ok(())
}

/// The first few names, and how many more.
pub(crate) fn list(names: &[&str]) -> String {
    const SHOWN: usize = 6;
    let mut s = names.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        s += &format!(", … ({} more)", names.len() - SHOWN);
    }
    s
}
