//! The roofline model (Williams, Waterman & Patterson, "Roofline: an insightful visual
//! performance model for multicore architectures", CACM 52(4), 2009): a layer takes at least
//! the longer of its arithmetic at the machine's peak and its memory traffic at the machine's
//! bandwidth, so its arithmetic intensity (FLOPs per byte moved) against the ridge point
//! peak/bandwidth says which of the two bounds it.
//!
//! Bytes moved by one layer at batch N: its weights (read once per batch, which is why large
//! batches make fully connected layers compute-bound) plus N times its data inputs and outputs,
//! as if every activation went through memory. Runtimes fuse the elementwise layers into the
//! convolutions and caches keep small activations, so for conv nets this overestimates
//! (ResNet-50 at batch 8: 400 ms estimated against 300 ms that `zoo bench` measured on ONNX
//! Runtime, same machine); what it gets right is the order of the layers and the bound of
//! each — AlexNet's fully connected layers at batch 1, whose weights nothing caches, are
//! memory-bound at 0.5 FLOP/B. An estimate; the measured figure is `zoo bench`.

use crate::analysis::LayerRow;

/// What bounds a layer's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Compute,
    Memory,
}

/// One layer's roofline estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub flops: f64,
    pub bytes: f64,
    /// FLOPs per byte moved.
    pub intensity: f64,
    /// The lower bound on its time, in seconds.
    pub seconds: f64,
    pub bound: Bound,
}

/// The machine: peak arithmetic (FLOP/s) and memory bandwidth (bytes/s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Machine {
    pub peak_flops: f64,
    pub bandwidth: f64,
}

impl Machine {
    /// The intensity above which a layer is compute-bound.
    pub fn ridge(&self) -> f64 {
        self.peak_flops / self.bandwidth
    }
}

/// The estimate for `row` at batch `batch` (2 FLOPs per multiply-accumulate).
pub fn estimate(row: &LayerRow, batch: usize, m: Machine) -> Estimate {
    let n = batch as f64;
    let flops = 2.0 * row.macs as f64 * n;
    let bytes = row.weight_bytes as f64 + n * (row.input_bytes + row.activation_bytes) as f64;
    let (compute, memory) = (flops / m.peak_flops, bytes / m.bandwidth);
    Estimate {
        flops,
        bytes,
        intensity: if bytes > 0.0 { flops / bytes } else { 0.0 },
        seconds: compute.max(memory),
        bound: if compute >= memory && flops > 0.0 { Bound::Compute } else { Bound::Memory },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(macs: u64, weight_bytes: u64, io_bytes: u64) -> LayerRow {
        LayerRow {
            name: "l".into(),
            op: "Gemm".into(),
            detail: String::new(),
            output: None,
            params: 0,
            buffers: 0,
            macs,
            macs_unknown: false,
            activation_bytes: io_bytes / 2,
            input_bytes: io_bytes / 2,
            weight_bytes,
            note: None,
            field: None,
        }
    }

    /// AlexNet's fc6, 9216 → 4096: at batch 1 it moves 151 MB of weights for 75 MFLOPs
    /// (0.5 FLOP/B, memory-bound); at batch 256 the weights are shared and it is compute-bound.
    #[test]
    fn fully_connected_layers_turn_compute_bound_with_the_batch() {
        let m = Machine { peak_flops: 208e9, bandwidth: 20e9 };
        let fc6 = row(9216 * 4096, 9216 * 4096 * 4 + 4096 * 4, (9216 + 4096) * 4);
        let one = estimate(&fc6, 1, m);
        assert_eq!(one.bound, Bound::Memory);
        assert!((one.intensity - 0.5).abs() < 0.01, "{one:?}");
        assert!((one.seconds - one.bytes / 20e9).abs() < 1e-12);
        let many = estimate(&fc6, 256, m);
        assert_eq!(many.bound, Bound::Compute, "{many:?}");
        assert!(many.intensity > m.ridge());
        // No arithmetic at all (a pool, a reshape): memory-bound, whatever its size.
        assert_eq!(estimate(&row(0, 0, 1000), 8, m).bound, Bound::Memory);
    }
}
