//! Running ONNX files and comparing what runtimes compute.
//!
//! - [`ort`](crate::onnxruntime): ONNX Runtime through the `ort` crate, loaded at run time from a
//!   shared library (`load-dynamic`), with CPU, CUDA and TensorRT execution providers;
//! - [`tract`](crate::tract): the pure-Rust tract-onnx engine, the CPU cross-check;
//! - [`openvino`]: OpenVINO's CPU plugin through its C API, the third runtime;
//! - [`isolated`]: any of them in a worker process, so that a crash inside one ends only it;
//! - [`compare`]: error metrics between two outputs (Polygraphy-style);
//! - [`images`]: PNG/JPEG files to input tensors, as torchvision's (Pillow's) preprocessing;
//! - [`pb`]: `TensorProto` files (`input_0.pb`, `output_0.pb`), the ONNX Model Zoo's golden
//!   test-data format.

pub mod compare;
mod error;
pub mod images;
pub mod isolated;
mod library_search;
pub mod onnxruntime;
pub mod openvino;
pub mod pb;
mod tensor;
#[cfg(test)]
mod test_nets;
pub mod tract;

pub use error::RuntimeError;
pub use library_search::set_project_venv;
pub use tensor::{IntType, Ints, Tensor};

/// The CPU's vector features that decide convolution and int8 speed (`avx2 avx512f avx512vnni
/// …`), for benchmark headers: figures from machines with different features do not compare.
pub fn cpu_features() -> String {
    let mut f: Vec<&str> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        for (name, on) in [
            ("avx2", std::arch::is_x86_feature_detected!("avx2")),
            ("fma", std::arch::is_x86_feature_detected!("fma")),
            ("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
            ("avx512vnni", std::arch::is_x86_feature_detected!("avx512vnni")),
            ("avx512bf16", std::arch::is_x86_feature_detected!("avx512bf16")),
            ("avx512fp16", std::arch::is_x86_feature_detected!("avx512fp16")),
            ("avxvnni", std::arch::is_x86_feature_detected!("avxvnni")),
        ] {
            if on {
                f.push(name);
            }
        }
    }
    if f.is_empty() { format!("{} (no x86 vector features detected)", std::env::consts::ARCH) } else { f.join(" ") }
}

/// Outputs of one run, and where the work was actually done.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    /// In the graph's output order, named as the graph names them.
    pub outputs: Vec<Tensor>,
    /// The execution provider(s) the runtime really used for the nodes, e.g.
    /// `["CPUExecutionProvider"]`; for tract `["tract"]`.
    pub providers: Vec<String>,
}

/// Something that runs one loaded model.
pub trait Runner {
    /// A short label for tables: `ort/cpu`, `ort/cuda`, `tract`.
    fn label(&self) -> String;
    fn run(&mut self, inputs: &[Tensor]) -> Result<RunOutput, RuntimeError>;

    /// Seconds of each of `iters` runs on `inputs` after `warmup` untimed ones (`zoo bench`).
    fn time(&mut self, inputs: &[Tensor], warmup: usize, iters: usize) -> Result<Vec<f64>, RuntimeError> {
        for _ in 0..warmup {
            self.run(inputs)?;
        }
        let mut times = Vec::with_capacity(iters);
        for _ in 0..iters {
            let t = std::time::Instant::now();
            self.run(inputs)?;
            times.push(t.elapsed().as_secs_f64());
        }
        Ok(times)
    }
}
