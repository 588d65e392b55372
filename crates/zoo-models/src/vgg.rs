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

use crate::catalog::{Family, Note, Options, Published, Source, TORCHVISION, Variant};

const ABOUT: &str = "Stacks of 3×3 convolutions (stride 1, padding 1) in five stages, each closed by a 2×2 max-pool, \
                     then three fully connected layers; 11 to 19 weight layers. Second in ILSVRC 2014 classification \
                     and first in localisation; its uniform design made it the common backbone of the years after.";

/// The sources every VGG family reads, as the cards cite them.
const SOURCES: &[Source] = &[
    Source {
        variants: &[],
        cite: "Simonyan & Zisserman, \"Very Deep Convolutional Networks for Large-Scale Image Recognition\", ICLR 2015",
        used_for: "Table 1: configurations A, B, D and E (VGG-11, 13, 16, 19); Table 2: their parameter counts",
    },
    Source {
        variants: &[],
        cite: "torchvision.models.vgg11 … vgg19 and vgg11_bn … vgg19_bn (pytorch/vision, torchvision/models/vgg.py)",
        used_for: "the classifier's layout, the BatchNorm variants, parameter names and preprocessing",
    },
    Source {
        variants: &["plain"],
        cite: "Caffe model zoo, VGG_ILSVRC_16_layers and VGG_ILSVRC_19_layers (the authors' released models)",
        used_for: "which 16-layer configuration the authors released (D)",
    },
];

/// Where the sources disagree, and what zoo builds.
const NOTES: &[Note] = &[
    Note {
        variants: &[],
        topic: "Which network is \"VGG-16\"",
        claims: &[
            (
                "the paper, Table 1",
                "has two 16-weight-layer configurations: C, whose last three stages end in a 1×1 conv, \
              and D, all 3×3 (Table 2: 134 and 138 million parameters)",
            ),
            ("torchvision and the authors' released VGG_ILSVRC_16_layers", "are configuration D"),
        ],
        chosen: "vgg16 is D (138,357,544 parameters); zoo builds no C. VGG-11, 13 and 19 are A, B and E, the only \
                 configurations of their depth, and their counts round to Table 2's 133, 133 and 144 million.",
    },
    Note {
        variants: &[],
        topic: "LRN in configuration A-LRN",
        claims: &[(
            "the paper, Table 1 and §4.1",
            "lists A-LRN, with local response normalization, and reports that it does not \
                    improve on A",
        )],
        chosen: "no LRN in any variant, as in every configuration the paper keeps.",
    },
    Note {
        variants: &["bn"],
        topic: "BatchNorm",
        claims: &[
            ("the paper", "has no batch normalization (it predates it)"),
            ("torchvision vgg*_bn", "puts BatchNorm (ε 1e-5) between every conv and its ReLU"),
        ],
        chosen: "bn follows torchvision, so its checkpoints load by name (features.1.running_mean …).",
    },
    Note {
        variants: &[],
        topic: "The classifier at test time",
        claims: &[
            (
                "the paper, §3.2",
                "converts the fully connected layers to convolutions (7×7, then 1×1) and evaluates densely \
              over the whole uncropped image, averaging the class score map",
            ),
            ("torchvision", "keeps them fully connected after AdaptiveAvgPool2d((7, 7)), on a 224×224 crop"),
        ],
        chosen: "fully connected (Gemm) on the 224×224 crop. The adaptive pool is the identity there (the features \
                 are already 512×7×7, checked by the builder) and is omitted: ONNX has no adaptive pooling.",
    },
    Note {
        variants: &[],
        topic: "Output and preprocessing",
        claims: &[
            ("the paper, §2.1", "subtracts the training set's mean RGB value and nothing else, and ends in a softmax"),
            ("torchvision", "normalises with the ImageNet mean and standard deviation and returns logits"),
        ],
        chosen: "torchvision's: logits and mean/std normalisation, which its weights expect.",
    },
];

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
    ($name:literal, $depth:literal, $column:literal, $params:literal, $params_bn:literal, $gmacs:literal) => {
        Family {
            name: $name,
            about: ABOUT,
            sources: SOURCES,
            notes: NOTES,
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
                    published: Published {
                        params: $params,
                        gmacs: Some($gmacs),
                        source: concat!(
                            "torchvision.models.",
                            $name,
                            ": num_params, and _ops (its \"GFLOPS\", which are GMACs), of its IMAGENET1K_V1 weights' meta"
                        ),
                    },
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
                    published: Published {
                        params: $params_bn,
                        gmacs: Some($gmacs),
                        source: concat!(
                            "torchvision.models.",
                            $name,
                            "_bn: num_params, and _ops (its \"GFLOPS\", which are GMACs), of its IMAGENET1K_V1 weights' meta"
                        ),
                    },
                    build: build::<$depth, true>,
                },
            ],
        }
    };
}

//                                              parameters    with BN       GMACs (torchvision)
pub const VGG11: Family = vgg!("vgg11", 11, "A", 132_863_336, 132_868_840, 7.609);
pub const VGG13: Family = vgg!("vgg13", 13, "B", 133_047_848, 133_053_736, 11.308);
pub const VGG16: Family = vgg!("vgg16", 16, "D", 138_357_544, 138_365_992, 15.470);
pub const VGG19: Family = vgg!("vgg19", 19, "E", 143_667_240, 143_678_248, 19.632);
