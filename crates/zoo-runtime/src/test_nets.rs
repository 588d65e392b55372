//! The small network and input the runtimes' unit tests share.

use std::path::{Path, PathBuf};

use zoo_graph::ops::{Conv, Flatten, Linear, Relu};
use zoo_graph::{Batch, Net, Opset, Seeded, image};

use crate::tensor::Tensor;

/// conv(4, 3×3, pad 1) → relu → flatten → fc(5), with the relu output also a graph output:
/// outputs `features` [N, 4, 8, 8] and `logits` [N, 5].
pub(crate) fn conv_net(dir: &Path) -> PathBuf {
    let mut net = Net::new("tiny", Opset::DEFAULT);
    let x = net.input("input", image(Batch::Dynamic, 3, 8, 8)).unwrap();
    let x = net.layer("conv1", x, Conv::new(4, 3).pad(1)).unwrap();
    let features = net.layer("relu1", x, Relu).unwrap();
    let x = net.layer("flatten", features, Flatten).unwrap();
    let logits = net.layer("fc", x, Linear::new(5)).unwrap();
    net.output(features, "features").unwrap();
    net.output(logits, "logits").unwrap();
    let path = dir.join("tiny.onnx");
    zoo_graph::write::write_file(&net.finish("test net", vec![]), &Seeded { seed: 0 }, &path, &Default::default())
        .unwrap();
    path
}

/// A deterministic input in [-1, 1) for [`conv_net`].
pub(crate) fn input(batch: usize) -> Tensor {
    let shape = vec![batch, 3, 8, 8];
    let n = shape.iter().product();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let data = (0..n)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    Tensor::new("input", shape, data)
}
