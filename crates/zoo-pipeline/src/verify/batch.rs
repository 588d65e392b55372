//! One batch of a verification: every runtime run on the same input, each output compared
//! with the golden data, the named fp32 reference and the first runtime that ran.

use zoo_runtime::compare::{Tolerance, compare};
use zoo_runtime::{Runner, RuntimeError, Tensor};

use super::reference::Sensitivity;
use super::tolerance::{FP16_UNIT, lossy_tolerance};
use super::{Comparison, Findings, VerifyOptions};
use crate::error::chain;
use crate::options::RuntimeName;
use crate::runtimes::{Runtimes, fatal};
use crate::subject::Subject;

/// What the outputs must equal besides each other: the golden data (first output) and the
/// expected outputs of a test data set (`--inputs`), by position.
#[derive(Clone, Copy)]
pub(super) struct Truth<'a> {
    pub golden: Option<&'a (Tensor, Tensor)>,
    pub expected: &'a [(String, Tensor)],
}

/// The runtimes of one verification, across its batches.
pub(super) struct Pool<'a> {
    runtimes: &'a Runtimes,
    /// Started once (ONNX Runtime); a runner whose worker crashed or was stopped is dropped.
    runners: Vec<Box<dyn Runner + Send>>,
    /// Compiled per batch (tract, OpenVINO: static shapes).
    per_batch: Vec<RuntimeName>,
    reference: Option<super::Labelled>,
    sensitivity: Option<Sensitivity>,
}

impl<'a> Pool<'a> {
    pub(super) fn start(options: &'a VerifyOptions, s: &Subject, f: &mut Findings) -> crate::Result<Pool<'a>> {
        let (runners, per_batch) = super::persistent(options, s, f)?;
        let sensitive = s.fp16 && s.lossy.is_some();
        let (reference, proto) = super::named_reference(options, sensitive)?;
        let mut sensitivity = None;
        if sensitive {
            let named = options.reference.as_deref().zip(proto);
            match Sensitivity::start(&options.runtimes, s, named) {
                Ok(x) => sensitivity = Some(x),
                Err(e) => f.notes.push((
                    "fp16 sensitivity".into(),
                    true,
                    format!("not measured ({}): the formula alone applies", chain(&e)),
                )),
            }
        }
        Ok(Pool { runtimes: &options.runtimes, runners, per_batch, reference, sensitivity })
    }

    /// Runs batch `batch` (`input`) on every runtime and compares.
    pub(super) fn run_batch(
        &mut self,
        s: &Subject,
        batch: usize,
        input: &[Tensor],
        tol: Tolerance,
        truth: &Truth,
        f: &mut Findings,
    ) -> crate::Result<()> {
        let Truth { golden, expected } = *truth;
        let reference_out = match self.reference.as_mut() {
            Some((label, r)) => Some((label.clone(), r.run(input)?.outputs)),
            None => None,
        };
        let moved = self.sensitivity_of(batch, input, reference_out.as_ref(), f);
        let batch_runners = self.start_per_batch(s, batch, input, f);
        let mut first: Option<(String, Vec<Tensor>)> = None;
        let persistent = self.runners.len();
        let mut back = Vec::with_capacity(persistent);
        for (k, mut runner) in std::mem::take(&mut self.runners).into_iter().chain(batch_runners).enumerate() {
            let label = runner.label();
            let out = runner.run(input);
            let dead = out.as_ref().is_err_and(fatal);
            if k < persistent && !dead {
                back.push(runner);
            }
            let out = match out {
                Ok(o) => o,
                Err(e) => {
                    f.checks.push((format!("{label} batch {batch}"), false, e.to_string()));
                    continue;
                }
            };
            let run = Ran { label: &label, providers: &out.providers, batch, tol, moved: &moved };
            for (i, o) in out.outputs.iter().enumerate() {
                if let (Some((_, g)), 0) = (golden, i) {
                    run.against_golden(s, o, g, f)?;
                }
                if let Some((file, e)) = expected.get(i) {
                    run.against_expected(s, i, o, e, file, f);
                }
                if let (Some(_), Some((_, ref_outs)), 0) = (s.lossy, reference_out.as_ref(), i)
                    && let Some(r) = ref_outs.first()
                    && batch > 1
                    && o.ints.is_none()
                {
                    run.end_to_end(o, r, f);
                }
                // Against the named fp32 reference, and against the first runtime that ran.
                for (ref_label, ref_outs) in reference_out.iter().chain(first.iter()) {
                    let Some(r) = ref_outs.get(i) else { continue };
                    run.against(s, i, o, r, ref_label, f)?;
                }
            }
            if first.is_none() {
                first = Some((label, out.outputs));
            }
        }
        self.runners = back;
        Ok(())
    }

    /// How far the fp32 reference's outputs move under fp16-sized weight errors.
    fn sensitivity_of(
        &mut self,
        batch: usize,
        input: &[Tensor],
        reference_out: Option<&(String, Vec<Tensor>)>,
        f: &mut Findings,
    ) -> Vec<f64> {
        match self.sensitivity.as_mut().map(|x| x.measure(input, reference_out)) {
            Some(Ok((moved, scale))) => {
                if let Some(d) = moved.first() {
                    f.notes.push((
                        format!("fp16 sensitivity, batch {batch}"),
                        true,
                        format!(
                            "weights × (1 ± 2⁻¹¹) moved the fp32 reference's output by {d:.2e} ({:.2} u·max|r|): \
                             the tolerance is at least 2√2 times that",
                            d / (FP16_UNIT * scale)
                        ),
                    ));
                }
                moved
            }
            Some(Err(e)) => {
                f.notes.push((
                    format!("fp16 sensitivity, batch {batch}"),
                    true,
                    format!("not measured ({})", chain(&e)),
                ));
                vec![]
            }
            None => vec![],
        }
    }

    /// tract and OpenVINO, compiled for this batch (static shapes), in f32.
    fn start_per_batch(
        &mut self,
        s: &Subject,
        batch: usize,
        input: &[Tensor],
        f: &mut Findings,
    ) -> Vec<Box<dyn Runner + Send>> {
        let shapes: Vec<(String, Vec<usize>)> = input.iter().map(|t| (t.name.clone(), t.shape.clone())).collect();
        let mut out = Vec::new();
        let mut gone = Vec::new();
        for &r in &self.per_batch {
            match self.runtimes.start(r, &s.path, &shapes, s.qdq, true) {
                Ok(started) => out.push(started.runner),
                // A missing library or another release is skipped once, not retried per batch.
                Err(e @ RuntimeError::OvLibrary(_)) => {
                    f.skipped.push((r.to_string(), e.to_string()));
                    gone.push(r);
                }
                Err(e) => f.skipped.push((format!("{r} (batch {batch})"), e.to_string())),
            }
        }
        self.per_batch.retain(|r| !gone.contains(r));
        out
    }
}

/// One runtime's outputs of one batch, being compared.
struct Ran<'a> {
    label: &'a str,
    providers: &'a [String],
    batch: usize,
    tol: Tolerance,
    /// The fp16 sensitivity of each output (empty when not measured).
    moved: &'a [f64],
}

impl Ran<'_> {
    /// Integer and boolean outputs are compared exactly, whatever the file's tolerance.
    fn tolerance(&self, s: &Subject, i: usize, reference: &Tensor) -> Tolerance {
        if reference.ints.is_some() {
            return Tolerance { atol: 0.0, rtol: 0.0 };
        }
        s.lossy.map_or(self.tol, |l| lossy_tolerance(self.tol, l, reference, self.moved.get(i).copied()))
    }

    /// Output `i` against the output `file` (onnx's test data) says it should be; a shape or
    /// type that differs is a failed check, not an error that ends the verification.
    fn against_expected(&self, s: &Subject, i: usize, o: &Tensor, e: &Tensor, file: &str, f: &mut Findings) {
        let tol = self.tolerance(s, i, e);
        if let Err(err) = self.push(f, format!("expected {file}"), tol, o, e) {
            f.checks.push((format!("{} output {i} against {file}", self.label), false, err.to_string()));
        }
    }

    /// `a` (output `o`, or its head) against `r`, as one comparison.
    fn push(
        &self,
        f: &mut Findings,
        against: String,
        tolerance: Tolerance,
        a: &Tensor,
        r: &Tensor,
    ) -> crate::Result<()> {
        f.comparisons.push(Comparison {
            runtime: self.label.to_string(),
            providers: self.providers.to_vec(),
            batch: self.batch,
            output: a.name.clone(),
            against,
            tolerance,
            metrics: compare(a, r, tolerance)?,
        });
        Ok(())
    }

    /// The first output against the golden output, on the items both have.
    fn against_golden(&self, s: &Subject, o: &Tensor, g: &Tensor, f: &mut Findings) -> crate::Result<()> {
        let n = self.batch.min(g.batch());
        let reference = g.head(n);
        let tol = self.tolerance(s, 0, &reference);
        self.push(f, format!("golden (first {n})"), tol, &o.head(n), &reference)
    }

    /// Output `i` against the same output of a reference.
    fn against(
        &self,
        s: &Subject,
        i: usize,
        o: &Tensor,
        r: &Tensor,
        label: &str,
        f: &mut Findings,
    ) -> crate::Result<()> {
        let tol = self.tolerance(s, i, r);
        self.push(f, label.to_string(), tol, o, r)
    }

    /// A lossy file's end-to-end error against its fp32 reference, raw and on the part of the
    /// output that depends on the input: seeded deep nets map every input to nearly the same
    /// output, so the raw figure flatters.
    fn end_to_end(&self, o: &Tensor, r: &Tensor, f: &mut Findings) {
        let (raw, dependent, share) = input_dependent_sqnr(o, r);
        let batch = self.batch;
        f.notes.push((
            format!("{} end-to-end, batch {batch}", self.label),
            true,
            format!(
                "SQNR against the reference {raw:.1} dB raw, {dependent:.1} dB on the input-dependent part \
                 (each output minus the mean over the {batch} inputs), which is {:.1}% of the output's norm",
                100.0 * share
            ),
        ));
    }
}

/// SQNR of `a` against `r` in dB, raw and with each item's mean over the batch removed from
/// both, and the share of `r`'s norm that the input-dependent part is.
fn input_dependent_sqnr(a: &Tensor, r: &Tensor) -> (f64, f64, f64) {
    let (n, per) = (r.batch().max(1), r.per_item());
    let mean = |t: &Tensor| -> Vec<f64> {
        (0..per).map(|j| (0..n).map(|b| f64::from(t.data[b * per + j])).sum::<f64>() / n as f64).collect()
    };
    let (ma, mr) = (mean(a), mean(r));
    let (mut sig, mut noise, mut dsig, mut dnoise) = (0f64, 0f64, 0f64, 0f64);
    for (k, (&x, &y)) in a.data.iter().zip(&r.data).enumerate() {
        let (x, y) = (f64::from(x), f64::from(y));
        sig += y * y;
        noise += (x - y) * (x - y);
        let (dx, dy) = (x - ma[k % per], y - mr[k % per]);
        dsig += dy * dy;
        dnoise += (dx - dy) * (dx - dy);
    }
    let db = |s: f64, n: f64| if n == 0.0 { f64::INFINITY } else { 10.0 * (s / n).log10() };
    (db(sig, noise), db(dsig, dnoise), if sig > 0.0 { (dsig / sig).sqrt() } else { 0.0 })
}
