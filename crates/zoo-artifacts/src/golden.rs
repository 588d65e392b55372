//! Golden test data: a fixed input and the output ONNX Runtime computed for it, stored as
//! ONNX Model Zoo test data (`test_data_set_0/input_0.pb`, `output_0.pb`).

use std::path::Path;

use sha2::{Digest, Sha256};
use zoo_graph::prng::Stream;
use zoo_models::Variant;
use zoo_runtime::Tensor;

use crate::error::ArtifactError;
use crate::manifest::{GoldenFile, Manifest, ZooDir};

pub const DIR: &str = "test_data_set_0";
pub const INPUT_FILE: &str = "input_0.pb";
pub const OUTPUT_FILE: &str = "output_0.pb";

/// Images per golden set: two, so that the outputs' spread across inputs can be checked.
pub const BATCH: usize = 2;

/// Describes [`input`] in the manifest.
pub const INPUT_RECIPE: &str = "zoo-splitmix64-v1 stream `golden.input`, seed 0: element i of the flattened \
    [batch, C, H, W] input is uniform in [-√3, √3) (zero mean, unit variance: a normalised image's statistics)";

/// A batch of zero-mean, unit-variance noise images. Unit variance is the scale the reference
/// weights keep healthy through every layer (He scaling preserves it), so the outputs spread
/// across classes and inputs instead of saturating. Item `b` is the same whatever the batch
/// size: a batch of 3 starts with the golden pair.
pub fn input(v: &Variant, name: &str, batch: usize) -> Tensor {
    let [c, h, w] = v.input;
    let mut data = vec![0f32; batch * c * h * w];
    let bound = 3f64.sqrt();
    Stream::new(0, "golden.input").fill_uniform(0, -bound, bound, &mut data);
    Tensor::new(name, vec![batch, c, h, w], data)
}

/// `n` single-item inputs of shape `[1, item…]`, drawn like [`input`] (uniform in [−√3, √3):
/// zero mean, unit variance) from the stream `stream`, item `i` at offset `i·numel`. Used for
/// int8 calibration (`calibration.input`, never the golden stream) and by the tests and
/// benchmarks that hand the same kind of data to ONNX Runtime's quantizer.
pub fn seeded_items(stream: &str, name: &str, item: &[usize], n: usize) -> Vec<Tensor> {
    let per: usize = item.iter().product();
    let bound = 3f64.sqrt();
    let s = Stream::new(0, stream);
    (0..n)
        .map(|i| {
            let mut data = vec![0f32; per];
            s.fill_uniform(i * per, -bound, bound, &mut data);
            let mut shape = vec![1];
            shape.extend_from_slice(item);
            Tensor::new(name, shape, data)
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    zoo_graph::write::hex(&Sha256::digest(bytes))
}

fn read_checked(dir: &Path, f: &GoldenFile, manifest: &str) -> Result<Tensor, ArtifactError> {
    let path = dir.join(DIR).join(&f.file);
    let bytes = std::fs::read(&path).map_err(|e| ArtifactError::Read { path: path.clone(), reason: e.to_string() })?;
    let actual = sha256(&bytes);
    if actual != f.sha256 {
        return Err(ArtifactError::Checksum {
            what: path.display().to_string(),
            actual,
            expected: f.sha256.clone(),
            manifest: manifest.to_string(),
            hint: " (the golden file is corrupted or was changed: restore it from git, or run `zoo manifests --write` if the change is deliberate)",
        });
    }
    let t =
        zoo_runtime::pb::decode_tensor(&bytes).map_err(|reason| ArtifactError::Read { path: path.clone(), reason })?;
    if t.shape != f.shape {
        return Err(ArtifactError::Read {
            path,
            reason: format!("shape {:?}, the manifest says {:?}", t.shape, f.shape),
        });
    }
    Ok(t)
}

/// The golden input and output of a manifest, each checked against its SHA-256.
pub fn load(zoo: &ZooDir, m: &Manifest) -> Result<(Tensor, Tensor), ArtifactError> {
    let dir = zoo.variant_dir(&m.model, &m.variant).ok_or_else(|| ArtifactError::Read {
        path: format!("zoo/{}/{}/{DIR}", m.model, m.variant).into(),
        reason: "golden data is read from the zoo/ folder: run from the repository or pass --zoo-dir".into(),
    })?;
    let manifest = zoo.manifest_path(&m.model, &m.variant);
    Ok((read_checked(&dir, &m.golden.input, &manifest)?, read_checked(&dir, &m.golden.output, &manifest)?))
}

/// Writes `t` as `file` of the variant's golden set; returns its manifest entry.
pub fn save(zoo: &ZooDir, model: &str, variant: &str, file: &str, t: &Tensor) -> Result<GoldenFile, ArtifactError> {
    let dir = zoo
        .variant_dir(model, variant)
        .ok_or_else(|| ArtifactError::Write {
            path: "zoo".into(),
            reason: "no zoo/ folder to write to: pass --zoo-dir".into(),
        })?
        .join(DIR);
    let path = dir.join(file);
    let err = |e: String| ArtifactError::Write { path: path.clone(), reason: e };
    std::fs::create_dir_all(&dir).map_err(|e| err(e.to_string()))?;
    let bytes = zoo_runtime::pb::encode_tensor(t);
    let tmp = zoo_graph::write::temp_beside(&path, ".pb.part").map_err(|e| err(e.to_string()))?;
    std::fs::write(tmp.path(), &bytes).map_err(|e| err(e.to_string()))?;
    zoo_graph::write::persist(tmp, &path).map_err(|e| err(e.to_string()))?;
    Ok(GoldenFile { file: file.into(), name: t.name.clone(), shape: t.shape.clone(), sha256: sha256(&bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_do_not_depend_on_the_batch_size() {
        let (_, v) = zoo_models::find("alexnet", Some("torchvision")).unwrap();
        let two = input(v, "input", 2);
        let three = input(v, "input", 3);
        assert_eq!(two.data[..], three.data[..two.data.len()]);
        assert_ne!(three.item(0), three.item(2));
        assert!(two.data.iter().all(|x| (-1.7321..1.7321).contains(x)));
        let mean = two.data.iter().map(|&x| f64::from(x)).sum::<f64>() / two.data.len() as f64;
        let var = two.data.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / two.data.len() as f64;
        assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.01, "mean {mean}, variance {var}");
    }
}
