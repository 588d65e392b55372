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

use crate::catalog::{Family, Options, Preprocess, Variant};

pub const FAMILY: Family = Family {
    name: "alexnet",
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
    use crate::{Options, build};
    use zoo_graph::analysis::analyze;

    /// Published figures (shared/reference/architectures.md).
    #[test]
    fn parameter_and_mac_counts() {
        for (variant, params, gmacs) in [
            ("lrn", 62_378_344, 1.135),
            ("bvlc", 60_965_224, 0.724),
            ("bn", 63_400_480, 1.136),
            ("torchvision", 61_100_840, 0.714),
        ] {
            let m = build("alexnet", Some(variant), &Options::default()).unwrap();
            assert_eq!(m.trainable_count(), params, "{variant}");
            let a = analyze(&m.proto);
            assert_eq!(a.totals.params, params as u64, "{variant}");
            assert_eq!(a.totals.unanalysed, 0, "{variant}");
            let g = a.totals.macs as f64 / 1e9;
            assert!((g - gmacs).abs() < 0.0005, "{variant}: {g} GMACs");
        }
    }

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
        assert_eq!(m.trainable_count(), 63_400_480 - 1000 * 1000 - 1000 + 1000 * 10 + 10);
    }
}
