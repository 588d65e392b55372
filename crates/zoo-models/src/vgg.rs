//! VGG — Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
//! Recognition", ICLR 2015, Table 1: configurations A, B, D and E are VGG-11, 13, 16 and 19.
//! Built as `torchvision.models.vgg` builds them (parameter names are its `state_dict` keys);
//! the `bn` variant is torchvision's `vgg*_bn`, BatchNorm between every conv and its ReLU.
//!
//! torchvision's `AdaptiveAvgPool2d((7, 7))` is the identity at the 224×224 input (the
//! features are already 512×7×7) and is omitted, as for AlexNet; the classifier's
//! 25088-wide weights pin the shape.

use zoo_graph::ops::{BatchNorm, Conv, Dropout, Flatten, Linear, MaxPool, Relu};
use zoo_graph::{GraphError, Net, Value};

use crate::catalog::{Family, Options, TORCHVISION, Variant};

/// A 2×2/2 max-pool in Table 1's columns.
const M: usize = 0;

/// Table 1, one column per configuration: conv3 output channels, `M` for max-pool.
const A: &[usize] = &[64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M];
const B: &[usize] = &[64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M];
const D: &[usize] = &[64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M];
const E: &[usize] = &[64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512, M, 512, 512, 512, 512, M];

const fn config(depth: usize) -> &'static [usize] {
    match depth {
        11 => A,
        13 => B,
        16 => D,
        19 => E,
        // Evaluated in a const block by `build`: an unknown depth fails to compile instead of
        // silently becoming VGG-19.
        _ => panic!("VGG depth not in Simonyan & Zisserman 2015, Table 1"),
    }
}

fn build<const DEPTH: usize, const BN: bool>(net: &mut Net, x: Value, o: &Options) -> Result<Value, GraphError> {
    let mut f = net.seq("features");
    let mut x = x;
    for &c in const { config(DEPTH) } {
        if c == M {
            x = f.layer(x, MaxPool::new(2, 2))?;
            continue;
        }
        x = f.layer(x, Conv::new(c, 3).pad(1))?;
        if BN {
            x = f.layer(x, BatchNorm::new(BatchNorm::TORCH_EPS))?;
        }
        x = f.layer(x, Relu)?;
    }
    // avgpool (AdaptiveAvgPool2d((7, 7))) is the identity here: see the module docs.
    let x = net.layer("flatten", x, Flatten)?;
    if net.info(x).dim(1) != Some(512 * 7 * 7) {
        return Err(GraphError::Option(format!("VGG needs 512×7×7 features, got {}", net.info(x))));
    }
    let mut c = net.seq("classifier");
    let x = c.layer(x, Linear::new(4096))?; //   classifier.0
    let x = c.layer(x, Relu)?;
    let x = c.layer(x, Dropout(0.5))?;
    let x = c.layer(x, Linear::new(4096))?; //   classifier.3
    let x = c.layer(x, Relu)?;
    let x = c.layer(x, Dropout(0.5))?;
    c.layer(x, Linear::head(o.num_classes)) //   classifier.6
}

macro_rules! vgg {
    ($name:literal, $depth:literal, $column:literal) => {
        Family {
            name: $name,
            variants: &[
                Variant {
                    name: "plain",
                    summary: concat!("VGG-", $depth, " (configuration ", $column, "): 3×3 convs, 2×2 max-pools, FC 4096-4096"),
                    source: concat!(
                        "Simonyan & Zisserman, Very Deep Convolutional Networks for Large-Scale Image Recognition, ICLR 2015, Table 1 configuration ",
                        $column,
                        "; torchvision.models.",
                        $name
                    ),
                    input: [3, 224, 224],
                    softmax: false,
                    preprocess: TORCHVISION,
                    ignore_weights: &[],
                    build: build::<$depth, false>,
                },
                Variant {
                    name: "bn",
                    summary: concat!("VGG-", $depth, " with BatchNorm after every conv (torchvision ", $name, "_bn)"),
                    source: concat!("torchvision.models.", $name, "_bn (Simonyan & Zisserman 2015 configuration ", $column, " + BatchNorm)"),
                    input: [3, 224, 224],
                    softmax: false,
                    preprocess: TORCHVISION,
                    ignore_weights: &[],
                    build: build::<$depth, true>,
                },
            ],
        }
    };
}

pub const VGG11: Family = vgg!("vgg11", 11, "A");
pub const VGG13: Family = vgg!("vgg13", 13, "B");
pub const VGG16: Family = vgg!("vgg16", 16, "D");
pub const VGG19: Family = vgg!("vgg19", 19, "E");
