//! AlexNet, four historical readings.
//!
//! - `lrn`: Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional
//!   Neural Networks", NeurIPS 2012 — §3.3 (LRN), §3.5 and Figure 2 (layers), §4.2 (dropout),
//!   with the two GPU towers merged into one (no groups). 227×227 input: the 224 of the paper's
//!   text does not give its 55×55 first feature map with an 11×11/4 kernel.
//! - `bvlc`: Caffe's `models/bvlc_alexnet/deploy.prototxt` (the ONNX Model Zoo's bvlcalexnet):
//!   the two-tower split kept as `group = 2` on conv2, conv4 and conv5; Caffe's LRN.
//! - `bn`: the widely copied Keras "AlexNet with BatchNormalization": conv → ReLU → (pool) →
//!   BN, three 4096/4096/1000 fully-connected blocks with dropout 0.4 and BN, then a softmax
//!   output layer. Its code declares "valid" padding for conv2–conv5 yet states 27×27×256
//!   after conv2 and 13×13 after conv3–conv5; the stated shapes win, so conv2 pads 2 and
//!   conv3–conv5 pad 1 (Keras "same"). BN ε is Keras' default, 1e-3.
//! - `torchvision`: `torchvision.models.alexnet` (the "One weird trick" channel widths
//!   64-192-384-256-256). Its `AdaptiveAvgPool2d((6, 6))` is omitted: at the fixed 224×224
//!   input the features are already 6×6, so it is the identity; ONNX has no adaptive pooling,
//!   and any fixed AveragePool standing in for it would be valid for that one size only. The
//!   builder checks the 256×6×6 shape, and the classifier's 9216-wide weights pin it.

use zoo_graph::ops::{BatchNorm, Conv, Dropout, Flatten, Linear, Lrn, MaxPool, Relu};
use zoo_graph::{GraphError, Net, Value};

use crate::catalog::{Family, Note, Options, Preprocess, Published, Source, Variant};

/// The sources the variants read, as the cards cite them.
const SOURCES: &[Source] = &[
    Source {
        variants: &["lrn", "bvlc", "bn"],
        cite: "Krizhevsky, Sutskever & Hinton, \"ImageNet Classification with Deep Convolutional Neural Networks\", NeurIPS 2012",
        used_for: "§3.3 LRN (k = 2, n = 5, α = 1e-4, β = 0.75), §3.4 overlapping pooling (3×3, stride 2), \
                   §3.5 and Figure 2 the eight weight layers, §4.2 dropout 0.5",
    },
    Source {
        variants: &["lrn", "bvlc", "bn"],
        cite: "Caffe model zoo, models/bvlc_alexnet/deploy.prototxt (BVLC; converted as the ONNX Model Zoo's bvlcalexnet)",
        used_for: "bvlc: the two towers kept as group 2 on conv2, conv4 and conv5, Caffe's LRN (k = 1), BGR input; \
                   every paper variant: the 227×227 input",
    },
    Source {
        variants: &["lrn", "bvlc"],
        cite: "Caffe model zoo, models/bvlc_reference_caffenet/readme.md",
        used_for: "the one replication that swaps pooling and normalization (zoo does not)",
    },
    Source {
        variants: &["bn"],
        cite: "the widely copied Keras \"AlexNet with BatchNormalization\" Sequential listing \
               (conv → ReLU → pool → BN blocks; FC 4096-4096-1000 with dropout 0.4 and BN)",
        used_for: "the layer order, dropout 0.4, Keras' BN ε = 1e-3 and the stated feature-map sizes",
    },
    Source {
        variants: &["torchvision"],
        cite: "torchvision.models.alexnet (pytorch/vision, torchvision/models/alexnet.py)",
        used_for: "channel widths 64-192-384-256-256, conv1 padding 2 at 224×224, parameter names",
    },
    Source {
        variants: &["torchvision"],
        cite: "Krizhevsky, \"One weird trick for parallelizing convolutional neural networks\", arXiv:1404.5997, 2014",
        used_for: "the single-tower network torchvision's documentation names as its source",
    },
    Source {
        variants: &["lrn", "bvlc", "bn"],
        cite: "Cross Validated question 132897, \"How does Krizhevsky's '12 CNN get 253,440 neurons in the first layer?\"",
        used_for: "the input-size arithmetic worked through in public",
    },
];

/// Where the sources disagree, and what zoo builds.
const NOTES: &[Note] = &[
    Note {
        variants: &["lrn", "bvlc", "bn"],
        topic: "Input size: 224 or 227",
        claims: &[
            (
                "the paper, §3.5",
                "gives a 224×224×3 input (150,528 values) and, in Figure 2, 55×55 maps after the 11×11 stride-4 conv1",
            ),
            ("Cross Validated 132897", "works through why (224 − 11)/4 + 1 = 54.25 cannot give 55"),
            ("BVLC deploy.prototxt", "feeds 227×227 crops"),
        ],
        chosen: "227×227: (227 − 11)/4 + 1 = 55 exactly, and every later shape of Figure 2 follows. \
                 torchvision instead keeps 224 and pads conv1 by 2: ⌊(224 + 4 − 11)/4⌋ + 1 = 55.",
    },
    Note {
        variants: &[],
        topic: "The last max-pool: stride 2, no padding",
        claims: &[
            (
                "a lecture-note table of AlexNet (quoted as an example in zoo's issue 11)",
                "writes pool5 as 3×3, stride 1, pad 1, giving 6×6",
            ),
            ("the paper, §3.4", "uses overlapping pooling everywhere: 3×3 windows, stride 2"),
        ],
        chosen: "3×3, stride 2, pad 0. The arithmetic refutes stride 1, pad 1: (13 + 2·1 − 3)/1 + 1 = 13, not 6, \
                 while (13 − 3)/2 + 1 = 6, and fc6's 9,216 inputs are 256·6·6. The builder checks the 6×6 \
                 (torchvision variant) and fc6's weight shape pins it in every variant.",
    },
    Note {
        variants: &["lrn", "bvlc"],
        topic: "Two towers or one",
        claims: &[
            (
                "the paper, §3.2 and §3.5",
                "splits the net over two GPUs: conv2, conv4 and conv5 see only their own GPU's half \
              (5×5×48 and 3×3×192 kernels); its abstract counts 60 million parameters",
            ),
            ("BVLC deploy.prototxt", "keeps the split as group: 2 on conv2, conv4 and conv5"),
        ],
        chosen: "bvlc keeps the groups (60,965,224 parameters, 0.724 GMACs); lrn merges the towers into one \
                 (no groups: 62,378,344 parameters, 1.135 GMACs), the network the paper's text describes for one device.",
    },
    Note {
        variants: &["lrn", "bvlc"],
        topic: "LRN's α and k",
        claims: &[
            (
                "the paper, §3.3",
                "divides by (k + α·Σ a²)^β with k = 2, n = 5, α = 1e-4, β = 0.75: α is not divided by n",
            ),
            ("ONNX LRN (and Caffe's LRN layer)", "divide α by size before the sum"),
            ("BVLC deploy.prototxt", "local_size 5, α = 1e-4, β = 0.75 and k = 1 in Caffe's convention"),
        ],
        chosen: "lrn stores ONNX alpha = 5e-4 (the paper's 1e-4 × n) with k = 2; bvlc stores Caffe's values unchanged \
                 (alpha 1e-4, bias 1). The test suite checks the lrn file against a numpy forward pass written \
                 from the paper's formula; `zoo inspect` prints both α.",
    },
    Note {
        variants: &["lrn", "bvlc"],
        topic: "Normalize, then pool",
        claims: &[
            (
                "the paper, §3.5",
                "puts response normalization after conv1 and conv2 and max-pooling after each normalization",
            ),
            (
                "BVLC bvlc_reference_caffenet readme",
                "describes CaffeNet as the replication that pools before normalizing",
            ),
        ],
        chosen: "ReLU → LRN → max-pool after conv1 and conv2, as the paper and bvlc_alexnet order them.",
    },
    Note {
        variants: &["bn"],
        topic: "\"valid\" padding against the stated shapes",
        claims: &[
            ("the Keras listing's code", "declares padding \"valid\" for conv2 to conv5"),
            ("the same listing's comments", "state 27×27×256 after conv2 and 13×13 after conv3, conv4 and conv5"),
        ],
        chosen: "the stated shapes: conv2 pads 2 and conv3–conv5 pad 1 (Keras \"same\"). \"valid\" would give \
                 23×23 after conv2, 11×11 after pool2, 9, 7 and 5 after conv3–conv5 and 2×2 after pool5: \
                 1,024 features instead of the 9,216 that fc6 takes.",
    },
    Note {
        variants: &["torchvision"],
        topic: "torchvision is not the 2012 network",
        claims: &[
            (
                "torchvision.models.alexnet",
                "widths 64-192-384-256-256, no LRN, conv1 padding 2 at 224×224, \
              AdaptiveAvgPool2d((6, 6)) before the classifier, logits out",
            ),
            ("the paper", "widths 96-256-384-384-256, LRN, 224 (in truth 227) input, softmax"),
        ],
        chosen: "torchvision's network, so its checkpoints load by name. The adaptive pool is the identity at \
                 224×224 (the features are already 6×6) and is omitted: ONNX has no adaptive pooling, and any \
                 fixed stand-in would be right for one input size only.",
    },
];

pub const FAMILY: Family = Family {
    name: "alexnet",
    about: "Eight weight layers, five convolutions and three fully connected, with ReLUs, overlapping max-pooling, \
            local response normalization and dropout: the network that won ILSVRC 2012 (15.3% top-5 error) and \
            opened the deep-learning era of image classification.",
    sources: SOURCES,
    notes: NOTES,
    variants: &[
        Variant {
            name: "lrn",
            summary: "the 2012 paper's network, single tower, with local response normalization",
            source: "Krizhevsky, Sutskever & Hinton, ImageNet Classification with Deep Convolutional Neural Networks, NeurIPS 2012",
            input: [3, 227, 227],
            softmax: true,
            preprocess: Preprocess {
                channel_order: "RGB",
                scale: 255.0,
                mean: [123.68, 116.779, 103.939],
                std: [1.0, 1.0, 1.0],
                note: "the paper subtracts the training set's mean image; the per-channel mean is the usual stand-in",
            },
            ignore_weights: &[],
            published: Published {
                params: 62_378_344,
                gmacs: Some(1.135),
                source: "counted by hand from the paper's §3.5 and Figure 2, the towers merged (no groups), at 227×227",
            },
            build: lrn,
        },
        Variant {
            name: "bvlc",
            summary: "Caffe's BVLC AlexNet: grouped conv2/4/5 (the two-GPU split), Caffe LRN",
            source: "Caffe models/bvlc_alexnet/deploy.prototxt (ONNX Model Zoo bvlcalexnet)",
            input: [3, 227, 227],
            softmax: true,
            preprocess: Preprocess {
                channel_order: "BGR",
                scale: 255.0,
                mean: [104.007, 116.669, 122.679],
                std: [1.0, 1.0, 1.0],
                note: "Caffe: BGR 0-255 minus ilsvrc_2012_mean per channel, resize 256, crop 227",
            },
            ignore_weights: &[],
            published: Published {
                params: 60_965_224,
                gmacs: Some(0.724),
                source: "counted by hand from Caffe's bvlc_alexnet deploy.prototxt (group 2 on conv2, conv4, conv5), at 227×227",
            },
            build: bvlc,
        },
        Variant {
            name: "bn",
            summary: "the modern variant: BatchNormalization instead of LRN, BN and dropout 0.4 in the classifier",
            source: "Keras AlexNet with BatchNormalization (conv-ReLU-pool-BN blocks; FC 4096-4096-1000 with dropout 0.4 and BN; softmax output)",
            input: [3, 227, 227],
            softmax: true,
            preprocess: Preprocess {
                channel_order: "RGB",
                scale: 1.0,
                mean: [0.0, 0.0, 0.0],
                std: [1.0, 1.0, 1.0],
                note: "pixels rescaled to 0-1 (Keras rescale=1/255), no further normalisation",
            },
            ignore_weights: &[],
            published: Published {
                params: 63_400_480,
                gmacs: Some(1.136),
                source: "counted by hand from the Keras listing's layers and stated shapes, at 227×227",
            },
            build: bn,
        },
        Variant {
            name: "torchvision",
            summary: "torchvision.models.alexnet: 64-192-384-256-256 channels, logits",
            source: "torchvision.models.alexnet (Krizhevsky, One weird trick for parallelizing convolutional neural networks, 2014)",
            input: [3, 224, 224],
            softmax: false,
            preprocess: Preprocess {
                channel_order: "RGB",
                scale: 1.0,
                mean: [0.485, 0.456, 0.406],
                std: [0.229, 0.224, 0.225],
                note: "torchvision ImageNet transforms: resize 256, center crop 224, 0-1, normalise",
            },
            ignore_weights: &[],
            published: Published {
                params: 61_100_840,
                gmacs: Some(0.714),
                source: "torchvision AlexNet_Weights.IMAGENET1K_V1 meta: num_params, and _ops (its \"GFLOPS\", which are GMACs)",
            },
            build: torchvision,
        },
    ],
};

/// Krizhevsky et al. 2012, Figure 2 with the towers merged.
fn lrn(net: &mut Net, x: Value, o: &Options) -> Result<Value, GraphError> {
    // §3.3: k = 2, n = 5, α = 1e-4, β = 0.75, in the paper's formula (no division by n).
    let norm = Lrn::paper(2.0, 5, 1e-4, 0.75);
    paper_layout(net, x, o, [1, 1, 1], norm)
}

/// deploy.prototxt: conv2, conv4, conv5 in two groups; LRN local_size 5, α 1e-4, β 0.75, k 1.
fn bvlc(net: &mut Net, x: Value, o: &Options) -> Result<Value, GraphError> {
    paper_layout(net, x, o, [2, 2, 2], Lrn::caffe(5, 1e-4, 0.75, 1.0))
}

/// The shared layout of `lrn` and `bvlc`; `groups` are those of conv2, conv4 and conv5.
fn paper_layout(net: &mut Net, x: Value, o: &Options, groups: [usize; 3], norm: Lrn) -> Result<Value, GraphError> {
    let [g2, g4, g5] = groups;
    //                            layer    op
    let x = net.layer("conv1", x, Conv::new(96, 11).stride(4))?; // 227 → 55
    let x = net.layer("relu1", x, Relu)?;
    let x = net.layer("norm1", x, norm)?;
    let x = net.layer("pool1", x, MaxPool::new(3, 2))?; //         55 → 27
    let x = net.layer("conv2", x, Conv::new(256, 5).pad(2).groups(g2))?;
    let x = net.layer("relu2", x, Relu)?;
    let x = net.layer("norm2", x, norm)?;
    let x = net.layer("pool2", x, MaxPool::new(3, 2))?; //         27 → 13
    let x = net.layer("conv3", x, Conv::new(384, 3).pad(1))?;
    let x = net.layer("relu3", x, Relu)?;
    let x = net.layer("conv4", x, Conv::new(384, 3).pad(1).groups(g4))?;
    let x = net.layer("relu4", x, Relu)?;
    let x = net.layer("conv5", x, Conv::new(256, 3).pad(1).groups(g5))?;
    let x = net.layer("relu5", x, Relu)?;
    let x = net.layer("pool5", x, MaxPool::new(3, 2))?; //         13 → 6
    let x = net.layer("flatten", x, Flatten)?; //                  9216
    let x = net.layer("fc6", x, Linear::new(4096))?;
    let x = net.layer("relu6", x, Relu)?;
    let x = net.layer("drop6", x, Dropout(0.5))?;
    let x = net.layer("fc7", x, Linear::new(4096))?;
    let x = net.layer("relu7", x, Relu)?;
    let x = net.layer("drop7", x, Dropout(0.5))?;
    net.layer("fc8", x, Linear::head(o.num_classes))
}

/// Keras AlexNet with BatchNormalization (see the module docs for its padding).
fn bn(net: &mut Net, x: Value, o: &Options) -> Result<Value, GraphError> {
    let bn = BatchNorm::new(BatchNorm::KERAS_EPS);
    let x = net.layer("conv1", x, Conv::new(96, 11).stride(4))?; // 227 → 55
    let x = net.layer("relu1", x, Relu)?;
    let x = net.layer("pool1", x, MaxPool::new(3, 2))?; //         55 → 27
    let x = net.layer("bn1", x, bn)?;
    let x = net.layer("conv2", x, Conv::new(256, 5).pad(2))?; //   27 × 27 × 256
    let x = net.layer("relu2", x, Relu)?;
    let x = net.layer("pool2", x, MaxPool::new(3, 2))?; //         27 → 13
    let x = net.layer("bn2", x, bn)?;
    let x = net.layer("conv3", x, Conv::new(384, 3).pad(1))?; //   13 × 13
    let x = net.layer("relu3", x, Relu)?;
    let x = net.layer("bn3", x, bn)?;
    let x = net.layer("conv4", x, Conv::new(384, 3).pad(1))?;
    let x = net.layer("relu4", x, Relu)?;
    let x = net.layer("bn4", x, bn)?;
    let x = net.layer("conv5", x, Conv::new(256, 3).pad(1))?;
    let x = net.layer("relu5", x, Relu)?;
    let x = net.layer("pool5", x, MaxPool::new(3, 2))?; //         13 → 6
    let x = net.layer("bn5", x, bn)?;
    let mut x = net.layer("flatten", x, Flatten)?; //              9216
    for (i, units) in [(6, 4096), (7, 4096), (8, 1000)] {
        x = net.layer(&format!("fc{i}"), x, Linear::new(units))?;
        x = net.layer(&format!("relu{i}"), x, Relu)?;
        x = net.layer(&format!("drop{i}"), x, Dropout(0.4))?;
        x = net.layer(&format!("bn{i}"), x, bn)?;
    }
    net.layer("output", x, Linear::head(o.num_classes))
}

/// torchvision.models.alexnet; parameter names are its `state_dict` keys.
fn torchvision(net: &mut Net, x: Value, o: &Options) -> Result<Value, GraphError> {
    let mut f = net.seq("features");
    let x = f.layer(x, Conv::new(64, 11).stride(4).pad(2))?; //      features.0: 224 → 55
    let x = f.layer(x, Relu)?;
    let x = f.layer(x, MaxPool::new(3, 2))?; //                      55 → 27
    let x = f.layer(x, Conv::new(192, 5).pad(2))?; //                features.3
    let x = f.layer(x, Relu)?;
    let x = f.layer(x, MaxPool::new(3, 2))?; //                      27 → 13
    let x = f.layer(x, Conv::new(384, 3).pad(1))?; //                features.6
    let x = f.layer(x, Relu)?;
    let x = f.layer(x, Conv::new(256, 3).pad(1))?; //                features.8
    let x = f.layer(x, Relu)?;
    let x = f.layer(x, Conv::new(256, 3).pad(1))?; //                features.10
    let x = f.layer(x, Relu)?;
    let x = f.layer(x, MaxPool::new(3, 2))?; //                      13 → 6
    // avgpool (AdaptiveAvgPool2d((6, 6))) is the identity here: see the module docs.
    let x = net.layer("flatten", x, Flatten)?;
    if net.info(x).dim(1) != Some(256 * 6 * 6) {
        return Err(GraphError::Option(format!("torchvision AlexNet needs 256×6×6 features, got {}", net.info(x))));
    }
    let mut c = net.seq("classifier");
    let x = c.layer(x, Dropout(0.5))?;
    let x = c.layer(x, Linear::new(4096))?; //                       classifier.1
    let x = c.layer(x, Relu)?;
    let x = c.layer(x, Dropout(0.5))?;
    let x = c.layer(x, Linear::new(4096))?; //                       classifier.4
    let x = c.layer(x, Relu)?;
    c.layer(x, Linear::head(o.num_classes)) //                        classifier.6
}

#[cfg(test)]
mod tests {
    use crate::{Options, build, find};

    #[test]
    fn torchvision_names() {
        let m = build("alexnet", Some("torchvision"), &Options::default()).unwrap();
        let names: Vec<&str> =
            m.params.iter().filter(|p| p.kind == zoo_graph::ParamKind::Weight).map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "features.0.weight",
                "features.0.bias",
                "features.3.weight",
                "features.3.bias",
                "features.6.weight",
                "features.6.bias",
                "features.8.weight",
                "features.8.bias",
                "features.10.weight",
                "features.10.bias",
                "classifier.1.weight",
                "classifier.1.bias",
                "classifier.4.weight",
                "classifier.4.bias",
                "classifier.6.weight",
                "classifier.6.bias",
            ]
        );
    }

    #[test]
    fn num_classes_changes_only_the_last_layer() {
        let o = Options { num_classes: 10, ..Options::default() };
        let m = build("alexnet", Some("bn"), &o).unwrap();
        let published = find("alexnet", Some("bn")).unwrap().1.published.params as usize;
        assert_eq!(m.trainable_count(), published - 1000 * 1000 - 1000 + 1000 * 10 + 10);
    }
}
