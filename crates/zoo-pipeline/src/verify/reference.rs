//! The fp32 reference of an fp16 file, as it is and with its weights perturbed, on ONNX
//! Runtime's CPU provider (`sensitivity.rs`): how far fp16-sized weight errors move it.

use std::path::Path;

use zoo_graph::Seeded;
use zoo_proto::ModelProto;
use zoo_runtime::compare::{Tolerance, compare};
use zoo_runtime::{Runner, Tensor};

use super::tolerance::max_abs;
use crate::bail;
use crate::runtimes::Runtimes;
use crate::subject::Subject;

pub struct Sensitivity {
    perturbed: Box<dyn Runner + Send>,
    /// The unperturbed reference when `--reference` does not already run it.
    plain: Option<Box<dyn Runner + Send>>,
    _files: (Option<tempfile::TempDir>, Option<tempfile::NamedTempFile>),
}

impl Sensitivity {
    /// From `--reference FILE` (`reference`, already decoded), or else the default export of the
    /// variant whose golden data applies, built with the manifest's seed (its weights' SHA-256
    /// checked) and written a second time with its weights perturbed as they are drawn.
    pub fn start(
        runtimes: &Runtimes,
        s: &Subject,
        reference: Option<(&Path, ModelProto)>,
    ) -> crate::Result<Sensitivity> {
        let opts = runtimes.cpu_only();
        let ort = |path: &Path| -> crate::Result<Box<dyn Runner + Send>> {
            Ok(Box::new(crate::runtimes::ort(path, &opts, runtimes.limit())?.0))
        };
        if let Some((path, proto)) = reference {
            let copy = crate::sensitivity::perturbed_copy(proto, path)?;
            return Ok(Sensitivity { perturbed: ort(copy.path())?, plain: None, _files: (None, Some(copy)) });
        }
        let Some(m) = &s.manifest else { bail!("no fp32 reference: name one with --reference") };
        let built = zoo_models::build(&m.model, Some(&m.variant), &zoo_models::Options::default())?;
        let dir = tempfile::tempdir()?;
        let (plain, perturbed) = (dir.path().join("reference.onnx"), dir.path().join("perturbed.onnx"));
        let seeded = Seeded { seed: m.weights.seed };
        let accept = |w: &zoo_graph::write::Written| -> Result<(), String> {
            if w.weights_sha256 == m.weights.sha256 {
                Ok(())
            } else {
                Err("the rebuilt reference's weights differ from the manifest's".into())
            }
        };
        let options = zoo_graph::write::WriteOptions { accept: Some(&accept), ..Default::default() };
        zoo_graph::write::write_file(&built, &seeded, &plain, &options)?;
        let perturbed_weights = crate::sensitivity::Perturbed(&seeded);
        zoo_graph::write::write_file(&built, &perturbed_weights, &perturbed, &Default::default())?;
        Ok(Sensitivity { perturbed: ort(&perturbed)?, plain: Some(ort(&plain)?), _files: (Some(dir), None) })
    }

    /// Each output's largest change, and the first output's max|r|.
    pub fn measure(
        &mut self,
        input: &[Tensor],
        reference: Option<&(String, Vec<Tensor>)>,
    ) -> crate::Result<(Vec<f64>, f64)> {
        let ran;
        let plain: &[Tensor] = match (&mut self.plain, reference) {
            (Some(r), _) => {
                ran = r.run(input)?.outputs;
                &ran
            }
            (None, Some((_, outs))) => outs,
            (None, None) => bail!("the reference did not run"),
        };
        let moved = self.perturbed.run(input)?.outputs;
        let exact = Tolerance { atol: 0.0, rtol: 0.0 };
        let changes =
            moved.iter().zip(plain).map(|(a, b)| Ok(compare(a, b, exact)?.max_abs)).collect::<crate::Result<_>>()?;
        Ok((changes, plain.first().map_or(0.0, max_abs)))
    }
}
