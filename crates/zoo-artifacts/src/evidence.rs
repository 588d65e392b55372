//! The evidence of one variant: `zoo/<model>/<variant>/evidence.json`, what `zoo card
//! --record` measured — which runtimes (and versions) ran the variant's default file on which
//! CPU, their largest errors against the golden output, and the per-layer errors of `zoo
//! verify --layers` between them — from which the card's evidence section and its error plot
//! are drawn.
//!
//! Measurements differ between CPUs (kernels sum in different orders), so they cannot be
//! re-derived by the check that keeps the cards current; they are recorded once, on purpose,
//! and committed. Numbers keep three significant digits, so that a re-recording on the same
//! machine changes nothing. `zoo card --check-evidence` re-runs them where it is run and
//! holds the record to the same tolerance.
//!
//! Schema (version 1), fields in this order: `schema`, `model`, `variant`; `weights_sha256`
//! and `file_sha256` (the manifest's: the evidence is about that file); `recorded` (`date`,
//! `command`, `zoo`, `cpu`, `cpu_features`, `threads`); `tolerance` (the manifest's); `runtimes`
//! (per runtime and batch: `runtime`, `version`, `batch`, `max_abs`, `max_rel`, `top1`, `pass`
//! against the golden output); `layers` (`batch`, `rtol`, `base`, per compared value its `names`,
//! `ops`, the base's `peak` |value| and one `series` of `max_abs` per other runtime,
//! `first_failure`, `pass`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::ArtifactError;
use crate::manifest::{Tolerance, VariantFile, ZooDir, parse_variant_file};

pub const SCHEMA: u32 = 1;
pub const FILE: &str = "evidence.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub schema: u32,
    pub model: String,
    pub variant: String,
    pub weights_sha256: String,
    pub file_sha256: String,
    pub recorded: Recorded,
    pub tolerance: Tolerance,
    pub runtimes: Vec<RuntimeRun>,
    pub layers: Option<Layers>,
}

/// Where and how the evidence was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// UTC, `YYYY-MM-DD`.
    pub date: String,
    pub command: String,
    /// zoo's version.
    pub zoo: String,
    /// The CPU's model name (`/proc/cpuinfo`), or the architecture.
    pub cpu: String,
    pub cpu_features: String,
    /// `--threads` (null: the runtimes' defaults).
    pub threads: Option<usize>,
}

/// One runtime's output against the golden output, at one batch size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuntimeRun {
    /// `ort/cpu`, `tract`, `openvino/cpu`.
    pub runtime: String,
    /// What ran it, with its version: `onnxruntime 1.31.1 CPUExecutionProvider`.
    pub version: String,
    pub batch: usize,
    pub max_abs: f64,
    pub max_rel: f64,
    /// Share of the batch whose top-1 class agrees with the golden output's.
    pub top1: f64,
    pub pass: bool,
}

/// `zoo verify --layers` on the default file: every intermediate value, each runtime against
/// the first (`base`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layers {
    pub batch: usize,
    /// A layer passes when |a − r| ≤ rtol·(max|r| + |r|) element-wise.
    pub rtol: f64,
    pub base: String,
    /// The values compared, in graph order, and the op that made each.
    pub names: Vec<String>,
    pub ops: Vec<String>,
    /// max|r| of each value on the base runtime.
    pub peak: Vec<f64>,
    pub series: Vec<LayerSeries>,
    pub first_failure: Option<String>,
    pub pass: bool,
}

/// One runtime against the base, value by value (`null`: not compared).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerSeries {
    pub runtime: String,
    pub max_abs: Vec<Option<f64>>,
}

/// `x` to three significant digits, as the evidence stores it.
pub fn round3(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.2e}").parse().unwrap_or(x)
}

impl VariantFile for Evidence {
    fn header(&self) -> (u32, &str, &str) {
        (self.schema, &self.model, &self.variant)
    }
}

impl ZooDir {
    /// The variant's evidence, or `None` where none has been recorded.
    pub fn load_evidence(&self, model: &str, variant: &str) -> Result<Option<Evidence>, ArtifactError> {
        let Some(text) = self.read_text(model, variant, FILE)? else { return Ok(None) };
        let path = self.variant_dir(model, variant).map(|d| d.join(FILE)).unwrap_or_else(|| PathBuf::from(FILE));
        parse_variant_file(&text, path, model, variant, SCHEMA).map(Some)
    }

    pub fn save_evidence(&self, e: &Evidence) -> Result<PathBuf, ArtifactError> {
        let mut text = serde_json::to_string_pretty(e)
            .map_err(|err| ArtifactError::Write { path: PathBuf::from(FILE), reason: err.to_string() })?;
        text.push('\n');
        self.save_text(&e.model, &e.variant, FILE, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits() {
        assert_eq!(round3(1.23456e-7), 1.23e-7);
        assert_eq!(round3(0.0), 0.0);
        assert_eq!(round3(9.996e-5), 1.0e-4);
        assert_eq!(serde_json::to_string(&round3(2.0e-7 / 3.0)).unwrap(), "6.67e-8");
    }

    #[test]
    fn round_trips_through_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let zoo = ZooDir::Disk(dir.path().to_path_buf());
        assert_eq!(zoo.load_evidence("m", "v").unwrap(), None);
        let e = Evidence {
            schema: SCHEMA,
            model: "m".into(),
            variant: "v".into(),
            weights_sha256: "a".into(),
            file_sha256: "b".into(),
            recorded: Recorded {
                date: "2026-12-06".into(),
                command: "zoo card m --variant v --record".into(),
                zoo: "0.1.0".into(),
                cpu: "cpu".into(),
                cpu_features: "avx2".into(),
                threads: None,
            },
            tolerance: Tolerance { atol: 1e-5, rtol: 1e-4 },
            runtimes: vec![],
            layers: None,
        };
        zoo.save_evidence(&e).unwrap();
        assert_eq!(zoo.load_evidence("m", "v").unwrap(), Some(e));
        std::fs::write(dir.path().join("m/v").join(FILE), "{").unwrap();
        assert!(zoo.load_evidence("m", "v").unwrap_err().to_string().contains("evidence.json"));
    }
}
