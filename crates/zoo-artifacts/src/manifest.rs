//! The manifest of one variant: `zoo/<model>/<variant>/manifest.json`.
//!
//! Schema (version 1), every field written in this order:
//! - `schema`: 1; `model`, `variant`, `source`: as `zoo list` shows them;
//! - `architecture`: graph `input` and `output` (name, shape with `"N"` for the batch),
//!   trainable `params`, non-trainable `buffers`, `gmacs` (per image);
//! - `default_opset`;
//! - `weights`: `recipe`, `seed`, and the `sha256` of the canonical weight bytes (every weight
//!   and buffer, little-endian f32, in graph order);
//! - `export`: `opset`, `batch` (`"dynamic"`), `bytes` and `sha256` of the file
//!   `zoo export <model> --variant <variant>` writes with the defaults;
//! - `compiled`: the compiled exports pinned like the plain one, keyed by their options
//!   (`--optimize`, `--optimize --precision fp16`): `bytes`, `sha256` and `weights_sha256` of
//!   the file `zoo export <model> --variant <variant> <options>` writes with the defaults;
//! - `golden`: `dir` (`test_data_set_0`), `batch`, the `input` and `output` files (`file`, `name`,
//!   `shape`, `sha256`), how the input was generated, which runtime produced the output, and
//!   the `tolerance` (`atol`, `rtol`: pass iff |a − r| ≤ atol + rtol·|r|) a runtime must meet.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::embedded::EMBEDDED;
use crate::error::ArtifactError;

pub const SCHEMA: u32 = 1;

/// A JSON file of one variant's folder, with the header every such file starts with.
pub(crate) trait VariantFile: serde::de::DeserializeOwned {
    /// Schema, model and variant, as the file states them.
    fn header(&self) -> (u32, &str, &str);
}

impl VariantFile for Manifest {
    fn header(&self) -> (u32, &str, &str) {
        (self.schema, &self.model, &self.variant)
    }
}

/// Parses a variant's file at `path` and checks its header: the schema this zoo reads, and the
/// model and variant it was asked for (a file copied into another variant's folder is refused).
pub(crate) fn parse_variant_file<T: VariantFile>(
    text: &str,
    path: PathBuf,
    model: &str,
    variant: &str,
    schema: u32,
) -> Result<T, ArtifactError> {
    let f: T =
        serde_json::from_str(text).map_err(|e| ArtifactError::Parse { path: path.clone(), reason: e.to_string() })?;
    let (s, m, v) = f.header();
    if s != schema || m != model || v != variant {
        return Err(ArtifactError::Parse {
            path,
            reason: format!("schema {s} for {m}/{v}, expected schema {schema} for {model}/{variant}"),
        });
    }
    Ok(f)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: u32,
    pub model: String,
    pub variant: String,
    pub source: String,
    pub architecture: Architecture,
    pub default_opset: i64,
    pub weights: Weights,
    pub export: Export,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub compiled: BTreeMap<String, Compiled>,
    pub golden: Golden,
}

/// A compiled export's checksums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compiled {
    pub bytes: u64,
    pub sha256: String,
    pub weights_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    pub input: Io,
    pub output: Io,
    pub params: u64,
    pub buffers: u64,
    pub gmacs: f64,
}

/// A graph input or output: dims are numbers or `"N"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Io {
    pub name: String,
    pub shape: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub recipe: String,
    pub seed: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub opset: i64,
    pub batch: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Golden {
    pub dir: String,
    pub batch: usize,
    pub input: GoldenFile,
    pub output: GoldenFile,
    /// How the input was made (see [`crate::golden::input`]).
    pub input_recipe: String,
    /// The runtime and provider that computed the output.
    pub producer: String,
    pub tolerance: Tolerance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldenFile {
    pub file: String,
    pub name: String,
    pub shape: Vec<usize>,
    pub sha256: String,
}

/// The comparison's own tolerance type: a manifest's is exactly what `verify` applies.
pub use zoo_runtime::compare::Tolerance;

/// Where the `zoo/` folder is, or the manifests compiled into the binary when there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZooDir {
    Disk(PathBuf),
    Embedded,
}

impl ZooDir {
    /// `explicit` (`--zoo-dir`), then `ZOO_DIR`, then `./zoo` if it holds manifests, then
    /// `built_from` (the program's own build tree: the `zoo` binary passes the repository it was
    /// built from; a library knows no such place), then the embedded manifests.
    pub fn locate(explicit: Option<&Path>, built_from: Option<&Path>) -> ZooDir {
        if let Some(p) = explicit {
            return ZooDir::Disk(p.to_path_buf());
        }
        if let Some(p) = std::env::var_os("ZOO_DIR") {
            return ZooDir::Disk(PathBuf::from(p));
        }
        let here = PathBuf::from("zoo");
        let built = built_from.map(|b| b.canonicalize().unwrap_or_else(|_| b.to_path_buf()));
        for candidate in std::iter::once(here).chain(built) {
            // zoo/README.md marks the folder (it exists before the first manifest does).
            if candidate.join("README.md").is_file() {
                return ZooDir::Disk(candidate);
            }
        }
        ZooDir::Embedded
    }

    pub fn describe(&self) -> String {
        match self {
            ZooDir::Disk(p) => p.display().to_string(),
            ZooDir::Embedded => "the manifests built into zoo".into(),
        }
    }

    /// The folder of one variant (golden data lives there), if on disk.
    pub fn variant_dir(&self, model: &str, variant: &str) -> Option<PathBuf> {
        match self {
            ZooDir::Disk(p) => Some(p.join(model).join(variant)),
            ZooDir::Embedded => None,
        }
    }

    pub fn manifest_path(&self, model: &str, variant: &str) -> String {
        match self.variant_dir(model, variant) {
            Some(d) => d.join("manifest.json").display().to_string(),
            None => format!("zoo/{model}/{variant}/manifest.json (built in)"),
        }
    }

    pub fn load(&self, model: &str, variant: &str) -> Result<Manifest, ArtifactError> {
        let none = || ArtifactError::NoManifest { model: model.into(), variant: variant.into(), dir: self.describe() };
        let (text, path) = match self.variant_dir(model, variant) {
            Some(dir) => {
                let path = dir.join("manifest.json");
                if !path.is_file() {
                    return Err(none());
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ArtifactError::Read { path: path.clone(), reason: e.to_string() })?;
                (text, path)
            }
            None => {
                let text = EMBEDDED.iter().find(|(m, v, _)| *m == model && *v == variant).ok_or_else(none)?.2;
                (text.to_string(), PathBuf::from(self.manifest_path(model, variant)))
            }
        };
        parse_variant_file(&text, path, model, variant, SCHEMA)
    }

    pub fn save(&self, m: &Manifest) -> Result<PathBuf, ArtifactError> {
        let mut text = serde_json::to_string_pretty(m)
            .map_err(|e| ArtifactError::Write { path: PathBuf::from("manifest.json"), reason: e.to_string() })?;
        text.push('\n');
        self.save_text(&m.model, &m.variant, "manifest.json", &text)
    }

    /// Writes `zoo/<model>/<variant>/<file>` atomically (temporary beside it, then renamed).
    pub fn save_text(&self, model: &str, variant: &str, file: &str, text: &str) -> Result<PathBuf, ArtifactError> {
        let dir = self.variant_dir(model, variant).ok_or_else(|| ArtifactError::Write {
            path: PathBuf::from("zoo"),
            reason: "no zoo/ folder to write to: pass --zoo-dir".into(),
        })?;
        let path = dir.join(file);
        let err = |e: String| ArtifactError::Write { path: path.clone(), reason: e };
        std::fs::create_dir_all(&dir).map_err(|e| err(e.to_string()))?;
        let tmp = zoo_graph::write::temp_beside(&path, ".part").map_err(|e| err(e.to_string()))?;
        std::fs::write(tmp.path(), text).map_err(|e| err(e.to_string()))?;
        zoo_graph::write::persist(tmp, &path).map_err(|e| err(e.to_string()))?;
        Ok(path)
    }

    /// `zoo/<model>/<variant>/<file>`, or `None` where it does not exist (or no folder is).
    pub fn read_text(&self, model: &str, variant: &str, file: &str) -> Result<Option<String>, ArtifactError> {
        let Some(dir) = self.variant_dir(model, variant) else { return Ok(None) };
        let path = dir.join(file);
        match std::fs::read_to_string(&path) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ArtifactError::Read { path, reason: e.to_string() }),
        }
    }
}
