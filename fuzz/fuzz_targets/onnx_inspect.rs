//! `zoo inspect FILE.onnx` (and the decoding every subcommand that reads a model shares): the
//! entry-count bound, protobuf decoding, external data confined to the model's folder, then
//! the per-layer analysis, the receptive fields, the roofline estimate and the texts the table
//! prints.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zoo_graph::analysis::{analyze, layer_depth};
use zoo_graph::roofline::{Machine, estimate};

fuzz_target!(|data: &[u8]| {
    let Ok(model) = zoo_graph::onnx_file::decode(data, zoo_fuzz::model_dir()) else { return };
    let a = analyze(&model);
    // inspect's defaults (--peak-gflops, batch 1) and a large --roofline-batch.
    let machine = Machine { peak_flops: 208e9, bandwidth: 20e9 };
    for row in &a.layers {
        for batch in [1, 1 << 20] {
            std::hint::black_box(estimate(row, batch, machine));
        }
        if let Some(t) = &row.output {
            std::hint::black_box((t.to_string(), t.shape_string()));
        }
    }
    for (_, t) in a.inputs.iter().chain(&a.outputs) {
        std::hint::black_box(t.as_ref().map(ToString::to_string));
    }
    // verify's error bound counts the model's depth.
    std::hint::black_box(layer_depth(&model));
});
