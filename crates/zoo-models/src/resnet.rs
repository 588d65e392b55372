//! ResNet — He, Zhang, Ren & Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
//! Table 1 (18/34 layers: basic blocks; 50/101/152: bottlenecks with expansion 4), with
//! projection shortcuts (1×1 conv + BN, option B) where the shape changes. Built as
//! `torchvision.models.resnet` builds them; parameter names are its `state_dict` keys.
//!
//! Variants: `v1.5` (torchvision's, the default) strides the bottleneck's 3×3 conv; `v1` (the
//! paper's) strides its first 1×1. Basic blocks stride their first 3×3 in both, so for
//! ResNet-18 and -34 the two variants are the same network.

use zoo_graph::ops::{Add, BatchNorm, Conv, Flatten, GlobalAveragePool, Linear, MaxPool, Relu};
use zoo_graph::{GraphError, Net, Value};

use crate::catalog::{Family, Options, TORCHVISION, Variant};

/// Table 1: blocks per stage (conv2_x … conv5_x) and whether they are bottlenecks.
const fn stages(depth: usize) -> ([usize; 4], bool) {
    match depth {
        18 => ([2, 2, 2, 2], false),
        34 => ([3, 4, 6, 3], false),
        50 => ([3, 4, 6, 3], true),
        101 => ([3, 4, 23, 3], true),
        152 => ([3, 8, 36, 3], true),
        // Evaluated in a const block by `build`: an unknown depth fails to compile instead of
        // silently becoming ResNet-152.
        _ => panic!("ResNet depth not in He et al. 2016, Table 1"),
    }
}

const EXPANSION: usize = 4;

fn conv_bn(net: &mut Net, x: Value, conv: &str, bn: &str, c: Conv) -> Result<Value, GraphError> {
    let x = net.layer(conv, x, c.no_bias())?;
    net.layer(bn, x, BatchNorm::new(BatchNorm::TORCH_EPS))
}

/// conv3×3 → BN → ReLU → conv3×3 → BN, plus the shortcut, → ReLU.
fn basic(net: &mut Net, x: Value, name: &str, planes: usize, stride: usize) -> Result<Value, GraphError> {
    let y =
        conv_bn(net, x, &format!("{name}.conv1"), &format!("{name}.bn1"), Conv::new(planes, 3).stride(stride).pad(1))?;
    let y = net.layer(&format!("{name}.relu1"), y, Relu)?;
    let y = conv_bn(net, y, &format!("{name}.conv2"), &format!("{name}.bn2"), Conv::new(planes, 3).pad(1))?;
    // After the main branch, as torchvision orders its parameters.
    let shortcut = shortcut(net, x, name, planes, stride)?;
    let y = net.layer_n(&format!("{name}.add"), &[y, shortcut], Add)?;
    net.layer(&format!("{name}.relu"), y, Relu)
}

/// conv1×1 → BN → ReLU → conv3×3 → BN → ReLU → conv1×1 (×4) → BN, plus the shortcut, → ReLU.
fn bottleneck(
    net: &mut Net,
    x: Value,
    name: &str,
    planes: usize,
    stride: usize,
    v15: bool,
) -> Result<Value, GraphError> {
    let (s1, s3) = if v15 { (1, stride) } else { (stride, 1) };
    let y = conv_bn(net, x, &format!("{name}.conv1"), &format!("{name}.bn1"), Conv::new(planes, 1).stride(s1))?;
    let y = net.layer(&format!("{name}.relu1"), y, Relu)?;
    let y = conv_bn(net, y, &format!("{name}.conv2"), &format!("{name}.bn2"), Conv::new(planes, 3).stride(s3).pad(1))?;
    let y = net.layer(&format!("{name}.relu2"), y, Relu)?;
    let y = conv_bn(net, y, &format!("{name}.conv3"), &format!("{name}.bn3"), Conv::new(planes * EXPANSION, 1))?;
    let shortcut = shortcut(net, x, name, planes * EXPANSION, stride)?;
    let y = net.layer_n(&format!("{name}.add"), &[y, shortcut], Add)?;
    net.layer(&format!("{name}.relu"), y, Relu)
}

/// Identity, or a projection (`downsample.0` conv1×1, `downsample.1` BN) where the shape changes.
fn shortcut(net: &mut Net, x: Value, name: &str, out: usize, stride: usize) -> Result<Value, GraphError> {
    if stride == 1 && net.info(x).dim(1) == Some(out) {
        return Ok(x);
    }
    let conv = Conv::new(out, 1).stride(stride);
    conv_bn(net, x, &format!("{name}.downsample.0"), &format!("{name}.downsample.1"), conv)
}

fn build<const DEPTH: usize, const V15: bool>(net: &mut Net, x: Value, o: &Options) -> Result<Value, GraphError> {
    let (blocks, bottlenecks) = const { stages(DEPTH) };
    //                                                                       224 → 112
    let x = conv_bn(net, x, "conv1", "bn1", Conv::new(64, 7).stride(2).pad(3))?;
    let x = net.layer("relu", x, Relu)?;
    let mut x = net.layer("maxpool", x, MaxPool::new(3, 2).pad(1))?; //      112 → 56
    for (stage, (&n, planes)) in blocks.iter().zip([64, 128, 256, 512]).enumerate() {
        for b in 0..n {
            let stride = if stage > 0 && b == 0 { 2 } else { 1 }; //        56 → 28 → 14 → 7
            let name = format!("layer{}.{b}", stage + 1);
            x = if bottlenecks {
                bottleneck(net, x, &name, planes, stride, V15)?
            } else {
                basic(net, x, &name, planes, stride)?
            };
        }
    }
    let x = net.layer("avgpool", x, GlobalAveragePool)?;
    let x = net.layer("flatten", x, Flatten)?;
    net.layer("fc", x, Linear::head(o.num_classes))
}

macro_rules! resnet {
    ($name:literal, $depth:literal) => {
        Family {
            name: $name,
            variants: &[
                Variant {
                    name: "v1.5",
                    summary: concat!("ResNet-", $depth, " as torchvision builds it (bottleneck stride on the 3×3 conv)"),
                    source: concat!("He et al., Deep Residual Learning for Image Recognition, CVPR 2016, Table 1; torchvision.models.", $name),
                    input: [3, 224, 224],
                    softmax: false,
                    preprocess: TORCHVISION,
                    ignore_weights: &[],
                    build: build::<$depth, true>,
                },
                Variant {
                    name: "v1",
                    summary: concat!("ResNet-", $depth, " as the paper has it (bottleneck stride on the first 1×1 conv)"),
                    source: "He et al., Deep Residual Learning for Image Recognition, CVPR 2016, Table 1 (original ResNet v1)",
                    input: [3, 224, 224],
                    softmax: false,
                    preprocess: TORCHVISION,
                    ignore_weights: &[],
                    build: build::<$depth, false>,
                },
            ],
        }
    };
}

pub const RESNET18: Family = resnet!("resnet18", 18);
pub const RESNET34: Family = resnet!("resnet34", 34);
pub const RESNET50: Family = resnet!("resnet50", 50);
pub const RESNET101: Family = resnet!("resnet101", 101);
pub const RESNET152: Family = resnet!("resnet152", 152);
