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

use crate::catalog::{Family, Note, Options, Published, Source, TORCHVISION, Variant};

const ABOUT: &str = "Residual learning: every block adds its input (the identity, or a 1×1 projection where the shape \
                     changes) to what its convolutions compute, so that networks of 18 to 152 layers train. Basic \
                     blocks (two 3×3 convs) for ResNet-18 and 34, bottlenecks (1×1, 3×3, 1×1 with 4× expansion) for \
                     50, 101 and 152; BatchNorm after every conv; global average pooling before one fully connected \
                     layer. Won ILSVRC 2015 classification.";

/// The sources every ResNet family reads, as the cards cite them.
const SOURCES: &[Source] = &[
    Source {
        variants: &[],
        cite: "He, Zhang, Ren & Sun, \"Deep Residual Learning for Image Recognition\", CVPR 2016",
        used_for: "Table 1 (stage depths and widths), §3.3 (shortcut options A, B, C), Figure 5 (the bottleneck)",
    },
    Source {
        variants: &[],
        cite: "torchvision.models.resnet18 … resnet152 (pytorch/vision, torchvision/models/resnet.py)",
        used_for: "v1.5's stride placement, projections only where the shape changes, parameter names, preprocessing",
    },
    Source {
        variants: &["v1"],
        cite: "KaimingHe/deep-residual-networks (the authors' Caffe prototxt files for ResNet-50, 101 and 152)",
        used_for: "v1: stride 2 on the bottleneck's first 1×1 conv and on the projection",
    },
    Source {
        variants: &["v1.5"],
        cite: "NVIDIA DeepLearningExamples, \"ResNet50 v1.5 for PyTorch\"",
        used_for: "the name v1.5 and its definition (stride 2 on the 3×3 conv)",
    },
];

/// Where the sources disagree, and what zoo builds.
const NOTES: &[Note] = &[
    Note {
        variants: &[],
        topic: "Stage depths",
        claims: &[
            (
                "many summaries of ResNet-50",
                "say \"50 layers of bottleneck blocks\" and leave out how many blocks each stage has",
            ),
            (
                "the paper, Table 1",
                "gives the blocks per stage (conv2_x … conv5_x): 18: [2, 2, 2, 2] and 34: [3, 4, 6, 3] \
              basic; 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] bottleneck",
            ),
        ],
        chosen: "Table 1's depths. The layer count checks them: convs per block × blocks + conv1 + fc = \
                 2·8 + 2 = 18, 2·16 + 2 = 34, 3·16 + 2 = 50, 3·33 + 2 = 101, 3·50 + 2 = 152.",
    },
    Note {
        variants: &[],
        topic: "Where a bottleneck strides (v1 or v1.5)",
        claims: &[
            ("the authors' Caffe models (v1)", "stride 2 on the first 1×1 conv of conv3_1, conv4_1 and conv5_1"),
            (
                "torchvision (v1.5)",
                "stride 2 on the 3×3 conv; its source comments that this variant is known as \
              ResNet V1.5 and is more accurate (NVIDIA's ResNet50 v1.5)",
            ),
            ("the paper, Table 1's caption", "says only that conv3_1, conv4_1 and conv5_1 downsample with stride 2"),
        ],
        chosen: "both, as variants: v1.5 (default) strides the 3×3, v1 the first 1×1 (same weights, fewer MACs: \
                 ResNet-50 3.858 against 4.089 GMACs). Basic blocks stride their first 3×3 in both, so for \
                 ResNet-18 and 34 the two variants are the same network.",
    },
    Note {
        variants: &[],
        topic: "Shortcuts that change shape",
        claims: &[
            (
                "the paper, §3.3",
                "compares (A) zero-padded identity, (B) 1×1 projections where dimensions increase and \
              (C) projections everywhere; Table 3",
            ),
            (
                "torchvision",
                "a 1×1 conv (with the block's stride) + BatchNorm where the shape changes, identity elsewhere",
            ),
        ],
        chosen: "option B, as torchvision builds it (layerN.0.downsample.0 and .1).",
    },
    Note {
        variants: &[],
        topic: "Preprocessing",
        claims: &[
            ("the paper, §3.4", "subtracts the per-pixel mean, following AlexNet"),
            ("torchvision", "normalises with the ImageNet mean and standard deviation"),
        ],
        chosen: "torchvision's normalisation, which its weights expect.",
    },
];

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
    ($name:literal, $depth:literal, $params:literal, $gmacs:literal, $v1_gmacs:expr) => {
        Family {
            name: $name,
            about: ABOUT,
            sources: SOURCES,
            notes: NOTES,
            variants: &[
                Variant {
                    name: "v1.5",
                    summary: concat!("ResNet-", $depth, " as torchvision builds it (bottleneck stride on the 3×3 conv)"),
                    source: concat!("He et al., Deep Residual Learning for Image Recognition, CVPR 2016, Table 1; torchvision.models.", $name),
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
                    published: Published {
                        params: $params,
                        gmacs: $v1_gmacs,
                        source: concat!(
                            "torchvision.models.",
                            $name,
                            "'s num_params (v1 has the same tensors; one stride moves). Its _ops (\"GFLOPS\", i.e. GMACs) \
                             hold for v1 only where the two are the same network (basic blocks); no source publishes \
                             bottleneck v1's to three decimals (the paper's Table 1 gives two digits)"
                        ),
                    },
                    build: build::<$depth, false>,
                },
            ],
        }
    };
}

//                                                       parameters   GMACs (torchvision; v1)
pub const RESNET18: Family = resnet!("resnet18", 18, 11_689_512, 1.814, Some(1.814));
pub const RESNET34: Family = resnet!("resnet34", 34, 21_797_672, 3.664, Some(3.664));
pub const RESNET50: Family = resnet!("resnet50", 50, 25_557_032, 4.089, None);
pub const RESNET101: Family = resnet!("resnet101", 101, 44_549_160, 7.801, None);
pub const RESNET152: Family = resnet!("resnet152", 152, 60_192_808, 11.514, None);
