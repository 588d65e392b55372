//! ONNX Runtime through the `ort` crate (2.0.0-rc.15): CPU, CUDA and TensorRT.
//!
//! References: ort 2.0 docs <https://ort.pyke.io/> and <https://docs.rs/ort/2.0.0-rc.15>
//! (`load-dynamic`, `SessionBuilder`, execution providers); ONNX Runtime docs
//! <https://onnxruntime.ai/docs/> ("Execution Providers", "Thread management",
//! "Profiling tools", the C API `OrtApi`).
//!
//! - `library`: where `libonnxruntime` is and loading it once per process ([`init`]);
//! - `provider`: `--ep` names, availability, ort's provider objects;
//! - `profile`: which provider really ran the nodes;
//! - here: [`OrtRunner`], a session for one model implementing [`Runner`].
//!
//! Requested providers that the library lacks, or that fail to register (CUDA libraries
//! missing), are skipped with a reason, or are an error with `strict`. ONNX Runtime then
//! places nodes itself and falls back to the CPU silently, so the first run is profiled and
//! [`RunOutput::providers`] / [`Runner::label`] report what the profile showed.

mod ints;
mod library;
mod profile;
mod provider;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use ort::session::builder::{AutoDevicePolicy, SessionBuilder};
use ort::session::{Session, SessionInputValue, SessionInputs};
use ort::value::{TensorElementType, TensorRef, ValueType};

pub use library::{LibraryInfo, ORT_VERSION, find_library, init};
pub use provider::{Provider, Skipped};

use crate::{IntType, RunOutput, Runner, RuntimeError, Tensor};
use provider::TrtSettings;

/// How to run a model on ONNX Runtime (serde: sent to a worker process, `crate::isolated`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrtOptions {
    /// `--ort-lib`: the ONNX Runtime library; `None` searches ([`find_library`]).
    pub library: Option<PathBuf>,
    /// Execution providers in priority order (`--ep tensorrt,cuda,cpu`).
    pub providers: Vec<Provider>,
    /// `--strict-ep`: a requested provider that cannot be used is an error, and without `Cpu`
    /// in the list nodes may not fall back to the CPU.
    pub strict: bool,
    /// Intra-op threads; `None` is the machine's parallelism, at most 8. Inter-op is always 1
    /// (sequential execution: the CNNs here are chains).
    pub threads: Option<usize>,
    pub trt_fp16: bool,
    /// TensorRT int8 mode for a Q/DQ file (explicit quantization: the file's scales, no
    /// calibration table). `verify` turns it on for zoo's int8 files.
    pub trt_int8: bool,
    /// Directory for TensorRT's serialized engines.
    pub trt_engine_cache: Option<PathBuf>,
    /// Profile the first run to learn which providers ran the nodes (ONNX Runtime's
    /// profiler; only the first run, as placement is fixed when the session is created).
    /// Benchmarks may turn it off; then [`RunOutput::providers`] is empty (unverified).
    pub profile: bool,
    /// ONNX Runtime's graph optimizations (all levels); off runs the graph exactly as written
    /// (`ORT_DISABLE_ALL`, what int8 calibration uses, as ONNX Runtime's own calibrator does).
    pub optimize: bool,
    /// Save the graph ONNX Runtime optimized (`optimized_model_filepath`) here, at
    /// `ORT_ENABLE_EXTENDED` — the last level whose result is not specific to this CPU — to
    /// see which kernels it chose (int8: QLinearConv and friends).
    pub save_optimized: Option<PathBuf>,
}

impl Default for OrtOptions {
    fn default() -> Self {
        OrtOptions {
            library: None,
            providers: vec![Provider::Cpu],
            strict: false,
            threads: None,
            trt_fp16: false,
            trt_int8: false,
            trt_engine_cache: None,
            profile: true,
            optimize: true,
            save_optimized: None,
        }
    }
}

impl OrtOptions {
    /// The intra-op thread count used for `threads: None`.
    pub fn default_threads() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    }

    fn trt(&self) -> TrtSettings<'_> {
        TrtSettings { fp16: self.trt_fp16, int8: self.trt_int8, engine_cache: self.trt_engine_cache.as_deref() }
    }
}

/// One ONNX Runtime session for one model.
#[derive(Debug)]
pub struct OrtRunner {
    // Field order matters: the session (which may still write a profile when dropped) goes
    // before the temporary directory that holds the profile.
    session: Session,
    inputs: Vec<String>,
    outputs: Vec<String>,
    /// Inputs and outputs of type float16 (`compile --precision fp16 --io fp16`): fed from and
    /// read back as f32, converted exactly one way (f32 → f16 rounds to nearest even) and
    /// exactly the other.
    f16: std::collections::HashSet<String>,
    /// Integer and boolean inputs and outputs, by name: fed and read back exactly.
    ints: std::collections::HashMap<String, IntType>,
    /// The providers registered, in priority order, `Cpu` last when allowed.
    registered: Vec<Provider>,
    /// ONNX Runtime's names of the providers the profile showed; `None` until profiled.
    used: Option<Vec<String>>,
    /// Set while the first run's profile is still to be read.
    profiling: bool,
    library: LibraryInfo,
    /// Held only so that the directory (and any profile ONNX Runtime writes when the session
    /// is dropped) is removed with the runner.
    _profile_dir: Option<tempfile::TempDir>,
}

impl OrtRunner {
    /// Creates a session for `model` with the first usable providers of `opts.providers`.
    /// Returns the runner and the providers that were skipped, with reasons (warnings for the
    /// caller to print).
    pub fn new(model: &Path, opts: &OrtOptions) -> Result<(OrtRunner, Vec<Skipped>), RuntimeError> {
        if !model.is_file() {
            return Err(RuntimeError::Read { path: model.to_path_buf(), reason: "no such file".to_string() });
        }
        let mut requested: Vec<Provider> = Vec::new();
        for &p in &opts.providers {
            if !requested.contains(&p) {
                requested.push(p);
            }
        }
        if requested.is_empty() {
            return Err(RuntimeError::Provider("no execution provider given; valid: cpu, cuda, tensorrt".to_string()));
        }
        // Without strict the CPU is always allowed, last: that is what ONNX Runtime does for
        // nodes no other provider takes anyway, and what lets a missing GPU degrade to CPU.
        let cpu_allowed = !opts.strict || requested.contains(&Provider::Cpu);

        let (library, env) = library::environment(opts.library.as_deref())?;
        let mut skipped = Vec::new();
        let mut accelerators = Vec::new();
        for &p in requested.iter().filter(|&&p| p != Provider::Cpu) {
            // GetAvailableProviders only lists what the library was built with; it answers at
            // once, so `--strict-ep cuda` on a CPU build fails fast.
            if p.is_available()? {
                accelerators.push(p);
            } else {
                let reason = p.missing_reason(&library.path);
                if opts.strict {
                    return Err(RuntimeError::Provider(reason));
                }
                skipped.push(Skipped { provider: p, reason });
            }
        }
        if accelerators.is_empty() && !cpu_allowed {
            // Only reachable with strict, which returned above; kept as a guard.
            return Err(RuntimeError::Provider("no usable execution provider left".to_string()));
        }

        let profile_dir = if opts.profile {
            Some(
                tempfile::Builder::new()
                    .prefix("zoo-ort-profile-")
                    .tempdir()
                    .map_err(|e| RuntimeError::Write { path: std::env::temp_dir(), reason: e.to_string() })?,
            )
        } else {
            None
        };

        // Each attempt is a fresh builder. A provider that fails to register, or whose session
        // fails to initialise (present in the build, but e.g. no CUDA device), is dropped and
        // the next attempt goes on without it: the highest-priority one first, since it is the
        // only one we cannot tell apart from the others in ONNX Runtime's error.
        let session = loop {
            let mut builder = base_builder(&env, opts, cpu_allowed, profile_dir.as_ref())?;
            let mut registered = Vec::new();
            for &p in &accelerators {
                let Some(d) = provider::dispatch(p, &opts.trt()) else {
                    continue;
                };
                builder = match builder.with_execution_providers([d]) {
                    Ok(b) => {
                        registered.push(p);
                        b
                    }
                    Err(e) => {
                        let reason = format!("{} could not be registered ({e}); {}", p.ort_name(), p.requirements());
                        if opts.strict {
                            return Err(RuntimeError::Provider(reason));
                        }
                        skipped.push(Skipped { provider: p, reason });
                        e.recover()
                    }
                };
            }
            accelerators = registered;
            match builder.commit_from_file(model) {
                Ok(s) => break s,
                Err(e) if accelerators.is_empty() => {
                    return Err(RuntimeError::Ort(format!("cannot create a session for {}: {e}", model.display())));
                }
                Err(e) => {
                    let names: Vec<&str> = accelerators.iter().map(|p| p.ort_name()).collect();
                    let reason = format!(
                        "creating the session with {} failed ({e}); {}",
                        names.join(", "),
                        accelerators[0].requirements()
                    );
                    if opts.strict {
                        return Err(RuntimeError::Provider(reason));
                    }
                    let first = accelerators.remove(0);
                    skipped.push(Skipped { provider: first, reason });
                }
            }
        };

        let (inputs, f16_in, ints_in) = io_names(session.inputs(), "input")?;
        let (outputs, f16_out, ints_out) = io_names(session.outputs(), "output")?;
        let f16 = f16_in.into_iter().chain(f16_out).collect();
        let ints = ints_in.into_iter().chain(ints_out).collect();
        let mut registered = accelerators;
        if cpu_allowed {
            registered.push(Provider::Cpu);
        }
        let runner = OrtRunner {
            session,
            inputs,
            outputs,
            f16,
            ints,
            registered,
            used: None,
            profiling: opts.profile,
            library,
            _profile_dir: profile_dir,
        };
        Ok((runner, skipped))
    }

    /// The ONNX Runtime library in use.
    pub fn library(&self) -> &LibraryInfo {
        &self.library
    }

    /// The providers registered for the session, in priority order (`Cpu` last when allowed).
    pub fn registered(&self) -> &[Provider] {
        &self.registered
    }

    /// ONNX Runtime's names of the providers that ran nodes, once a profiled run has shown
    /// them; `None` before the first run or with profiling off.
    pub fn providers_used(&self) -> Option<&[String]> {
        self.used.as_deref()
    }

    /// The graph's input names, in order.
    pub fn input_names(&self) -> &[String] {
        &self.inputs
    }

    /// The graph's output names, in order.
    pub fn output_names(&self) -> &[String] {
        &self.outputs
    }

    fn feed<'a>(&self, inputs: &'a [Tensor]) -> Result<SessionInputs<'a, 'a>, RuntimeError> {
        for t in inputs {
            if !self.inputs.contains(&t.name) {
                return Err(RuntimeError::Ort(format!(
                    "`{}` is not an input of this model (its inputs: {})",
                    t.name,
                    self.inputs.join(", ")
                )));
            }
            if t.shape.iter().product::<usize>() != t.numel() {
                return Err(RuntimeError::Ort(format!(
                    "input `{}`: shape {:?} needs {} values, got {}",
                    t.name,
                    t.shape,
                    t.shape.iter().product::<usize>(),
                    t.numel()
                )));
            }
            t.fits(self.ints.get(&t.name).copied()).map_err(RuntimeError::Ort)?;
        }
        if let Some(missing) = self.inputs.iter().find(|n| !inputs.iter().any(|t| &t.name == *n)) {
            return Err(RuntimeError::Ort(format!("input `{missing}` was not given")));
        }
        let mut values: Vec<(Cow<'a, str>, SessionInputValue<'a>)> = Vec::new();
        for t in inputs {
            let err = |e: ort::Error| RuntimeError::Ort(format!("input `{}`: {e}", t.name));
            if let Some(i) = &t.ints {
                let v = ints::value(&t.name, &t.shape, i.ty, &i.values)?;
                values.push((Cow::Borrowed(t.name.as_str()), v.into()));
                continue;
            }
            if self.f16.contains(&t.name) {
                let data: Vec<half::f16> = t.data.iter().map(|&x| half::f16::from_f32(x)).collect();
                let v = ort::value::Tensor::from_array((t.shape.clone(), data)).map_err(err)?;
                values.push((Cow::Borrowed(t.name.as_str()), v.into()));
                continue;
            }
            // A view of the caller's data: no copy into ONNX Runtime.
            let v = TensorRef::from_array_view((t.shape.clone(), t.data.as_slice())).map_err(err)?;
            values.push((Cow::Borrowed(t.name.as_str()), v.into()));
        }
        Ok(SessionInputs::ValueMap(values))
    }
}

/// Session options shared by every attempt.
fn base_builder(
    env: &ort::environment::Environment,
    opts: &OrtOptions,
    cpu_allowed: bool,
    profile_dir: Option<&tempfile::TempDir>,
) -> Result<SessionBuilder, RuntimeError> {
    fn err<R>(what: &str) -> impl Fn(ort::Error<R>) -> RuntimeError + '_ {
        move |e| RuntimeError::Ort(format!("{what}: {e}"))
    }
    let threads = opts.threads.unwrap_or_else(OrtOptions::default_threads);
    let mut b = Session::builder(env)
        .map_err(err("session options"))?
        // ort turns on ONNX Runtime's automatic EP selection (`MaxEfficiency`) for every
        // builder; `PreferCPU` keeps a plain CPU session plain, like Python's default. Explicitly
        // registered providers take precedence over it either way.
        .with_auto_device(AutoDevicePolicy::PreferCPU)
        .map_err(err("EP selection policy"))?
        .with_intra_threads(threads)
        .map_err(err("intra-op threads"))?
        .with_inter_threads(1)
        .map_err(err("inter-op threads"))?;
    if let Some(path) = &opts.save_optimized {
        b = b
            .with_optimization_level(ort::session::builder::GraphOptimizationLevel::Level2)
            .map_err(err("optimization level"))?
            .with_optimized_model_path(path)
            .map_err(err("optimized model path"))?;
    }
    if !opts.optimize {
        b = b
            .with_optimization_level(ort::session::builder::GraphOptimizationLevel::Disable)
            .map_err(err("optimization level"))?;
    }
    if let Some(dir) = profile_dir {
        // ONNX Runtime appends `_<date>_<time>.json` to this prefix.
        b = b.with_profiling(dir.path().join("ort")).map_err(err("profiling"))?;
    }
    if !cpu_allowed {
        // `session.disable_cpu_ep_fallback`: session creation fails if any node would land on
        // the CPU, instead of quietly running it there.
        b = b.with_disable_cpu_fallback().map_err(err("disabling CPU fallback"))?;
    }
    Ok(b)
}

/// `ort/<provider>` for [`Runner::label`]: the first of `registered` (priority order) that
/// the profile shows running nodes; unprofiled, the first registered.
fn label(registered: &[Provider], used: Option<&[String]>) -> String {
    let top = match used {
        Some(used) if !used.is_empty() => registered
            .iter()
            .find(|p| used.iter().any(|u| u == p.ort_name()))
            .map(|p| p.short_name().to_string())
            // Something we did not register (cannot happen today): name it as ONNX Runtime does.
            .unwrap_or_else(|| used[0].trim_end_matches("ExecutionProvider").to_lowercase()),
        _ => registered.first().map_or("cpu", |p| p.short_name()).to_string(),
    };
    format!("ort/{top}")
}

/// The session's inputs or outputs: all names, the float16 ones, and the integer and boolean
/// ones with their types. Any other type (strings, sequences, f64) is refused by name.
type IoNames = (Vec<String>, Vec<String>, Vec<(String, IntType)>);

fn io_names(outlets: &[ort::value::Outlet], what: &str) -> Result<IoNames, RuntimeError> {
    let mut names = Vec::new();
    let mut f16 = Vec::new();
    let mut ints = Vec::new();
    for o in outlets {
        match o.dtype() {
            ValueType::Tensor { ty: TensorElementType::Float32, .. } => {}
            ValueType::Tensor { ty: TensorElementType::Float16, .. } => f16.push(o.name().to_string()),
            ValueType::Tensor { ty, .. } if ints::int_type(*ty).is_some() => {
                ints.push((o.name().to_string(), ints::int_type(*ty).unwrap_or(IntType::I64)));
            }
            other => {
                return Err(RuntimeError::Ort(format!(
                    "model {what} `{}` is {other}; zoo exchanges float32, float16, bool and integer tensors up to \
                     64 bits (not uint64)",
                    o.name()
                )));
            }
        }
        names.push(o.name().to_string());
    }
    Ok((names, f16, ints))
}

impl Runner for OrtRunner {
    /// `ort/<provider>`: the highest-priority registered provider that the profile showed
    /// running nodes (`ort/cpu` when only the CPU did, whatever was requested). Before the first
    /// profiled run, or with profiling off, the highest-priority registered provider.
    fn label(&self) -> String {
        label(&self.registered, self.used.as_deref())
    }

    fn run(&mut self, inputs: &[Tensor]) -> Result<RunOutput, RuntimeError> {
        let feed = self.feed(inputs)?;
        let results = self.session.run(feed).map_err(|e| RuntimeError::Ort(format!("run: {e}")))?;
        let mut outputs = Vec::with_capacity(self.outputs.len());
        for name in &self.outputs {
            let value = results
                .get(name.as_str())
                .ok_or_else(|| RuntimeError::Ort(format!("output `{name}` missing from the results")))?;
            let err = |e: ort::Error| RuntimeError::Ort(format!("output `{name}`: {e}"));
            let dims = |shape: &[i64]| {
                shape
                    .iter()
                    .map(|&d| usize::try_from(d))
                    .collect::<Result<Vec<usize>, _>>()
                    .map_err(|_| RuntimeError::Ort(format!("output `{name}`: shape {shape:?}")))
            };
            if let Some(&ty) = self.ints.get(name) {
                let (shape, values) = ints::read(name, value, ty)?;
                outputs.push(Tensor::int(name.clone(), dims(&shape)?, ty, values));
                continue;
            }
            let (shape, data): (&ort::value::Shape, Cow<[f32]>) = if self.f16.contains(name) {
                let (shape, data) = value.try_extract_tensor::<half::f16>().map_err(err)?;
                (shape, Cow::Owned(data.iter().map(|x| x.to_f32()).collect()))
            } else {
                let (shape, data) = value.try_extract_tensor::<f32>().map_err(err)?;
                (shape, Cow::Borrowed(data))
            };
            outputs.push(Tensor::new(name.clone(), dims(shape)?, data.to_vec()));
        }
        drop(results);

        if self.profiling {
            // Ending profiling writes the file and stops the profiler for later runs.
            let file = self.session.end_profiling().map_err(|e| RuntimeError::Ort(format!("end profiling: {e}")))?;
            self.profiling = false;
            self.used = Some(profile::read_and_remove(Path::new(&file))?);
        }
        Ok(RunOutput { outputs, providers: self.used.clone().unwrap_or_default() })
    }
}

#[cfg(test)]
mod tests;
