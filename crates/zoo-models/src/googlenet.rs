//! GoogLeNet — Szegedy et al., "Going Deeper with Convolutions", CVPR 2015, Table 1.
//!
//! - `paper`: Table 1 as BVLC's GoogLeNet (`models/bvlc_googlenet/deploy.prototxt`) trains it —
//!   convolutions with biases, a real 5×5 branch, LRN after the stem's first pool and after
//!   conv2 (Caffe's LRN: local_size 5, α 1e-4, β 0.75, k 1), Caffe's ceil-mode pooling, a 7×7
//!   average pool, dropout 0.4, softmax; no auxiliary classifiers (they are training-only).
//! - `torchvision`: `torchvision.models.googlenet` — conv without bias + BatchNorm (ε 1e-3) +
//!   ReLU everywhere, the "5×5" branch a 3×3 conv (torchvision's known deviation, kept for
//!   weight compatibility), ceil-mode pools, a 2×2 fourth pool, adaptive average pool, dropout
//!   0.2, logits; no auxiliary heads (`aux1.*`, `aux2.*` in its checkpoints are skipped).
//!   torchvision's `transform_input` (on with its pretrained weights) re-normalises ImageNet-
//!   normalised input to (x − 0.5)/0.5 per channel inside the model; zoo's graph does not, so
//!   feed it what the weights expect (`preprocess` metadata), or export `--with-preprocess`.

use zoo_graph::ops::{
    AveragePool, BatchNorm, Concat, Conv, Dropout, Flatten, GlobalAveragePool, Linear, Lrn, MaxPool, Relu,
};
use zoo_graph::{GraphError, Net, Value};

use crate::catalog::{Family, Note, Options, Preprocess, Published, Source, TORCHVISION, Variant};

/// The sources the variants read, as the cards cite them.
const SOURCES: &[Source] = &[
    Source {
        variants: &[],
        cite: "Szegedy et al., \"Going Deeper with Convolutions\", CVPR 2015",
        used_for: "Table 1 (every layer's widths: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj), \
                   Figure 2(b) (the inception module), Figure 3 (the whole network)",
    },
    Source {
        variants: &["paper"],
        cite: "Caffe model zoo, models/bvlc_googlenet/deploy.prototxt (BVLC)",
        used_for: "what Table 1 leaves open: biases, LRN placement and parameters, ceil-mode pooling, dropout 0.4",
    },
    Source {
        variants: &["torchvision"],
        cite: "torchvision.models.googlenet (pytorch/vision, torchvision/models/googlenet.py)",
        used_for: "BasicConv2d (conv + BatchNorm ε 1e-3 + ReLU), the 3×3 \"5×5\" branch, pools, parameter names",
    },
    Source {
        variants: &["torchvision"],
        cite: "pytorch/vision issue #906 (2019), \"I find some error in googlenet.py ?\"",
        used_for: "why torchvision's \"5×5\" branch is a 3×3",
    },
];

/// Where the sources disagree, and what zoo builds.
const NOTES: &[Note] = &[
    Note {
        variants: &[],
        topic: "The \"5×5\" branch",
        claims: &[
            ("the paper, Table 1 and Figure 2(b)", "a 1×1 reduction followed by a 5×5 convolution"),
            (
                "torchvision",
                "a 3×3 convolution with padding 1 in that branch; issue #906 traces it to the TensorFlow model \
              the weights were ported from, and it stays for the weights' sake",
            ),
        ],
        chosen: "paper: 5×5 (6,998,552 parameters); torchvision: 3×3 (6,624,904), so its checkpoints load.",
    },
    Note {
        variants: &[],
        topic: "BatchNorm and biases",
        claims: &[
            ("the paper and BVLC", "convolutions with biases, no batch normalization (it came later)"),
            ("torchvision", "convolutions without bias, each followed by BatchNorm with ε = 1e-3"),
        ],
        chosen: "each variant as its source has it.",
    },
    Note {
        variants: &["paper"],
        topic: "Local response normalization",
        claims: &[
            (
                "the paper, Figure 3",
                "draws LocalRespNorm after the first max-pool and after the 3×3 conv of the stem; \
              Table 1 does not list it",
            ),
            ("BVLC deploy.prototxt", "norm1 after pool1 and norm2 after conv2/3x3, local_size 5, α 1e-4, β 0.75"),
            ("torchvision", "no LRN"),
        ],
        chosen: "paper: BVLC's two LRNs in Caffe's convention (ONNX alpha = Caffe's α, bias 1); torchvision: none.",
    },
    Note {
        variants: &[],
        topic: "Pooling rounds up",
        claims: &[
            (
                "the paper, Table 1",
                "56×56 after the first 3×3 stride-2 max-pool of a 112×112 map (and 28, 14, 7 after the next)",
            ),
            ("ONNX and PyTorch by default", "round down: ⌊(112 − 3)/2⌋ + 1 = 55"),
            ("Caffe, and torchvision with ceil_mode=True", "round up: ⌈(112 − 3)/2⌉ + 1 = 56"),
        ],
        chosen: "ceil_mode = 1 on every stride-2 pool, which gives Table 1's 56, 28, 14 and 7.",
    },
    Note {
        variants: &["torchvision"],
        topic: "The pool between stages 4 and 5",
        claims: &[
            ("the paper, Table 1", "a 3×3 stride-2 max-pool"),
            ("torchvision", "a 2×2 stride-2 max-pool (ceil mode)"),
        ],
        chosen: "each variant as its source has it; both give 7×7 from 14×14: ⌈(14 − 3)/2⌉ + 1 = (14 − 2)/2 + 1 = 7.",
    },
    Note {
        variants: &[],
        topic: "Head, dropout and auxiliary classifiers",
        claims: &[
            (
                "the paper, Table 1 and §5",
                "7×7 average pool, dropout 40%, linear, softmax; two auxiliary classifiers \
              used in training only",
            ),
            (
                "torchvision",
                "adaptive average pool, dropout 0.2, logits; aux1 and aux2 in its checkpoints; with its \
              pretrained weights, transform_input re-normalises the input inside the model",
            ),
        ],
        chosen: "no auxiliary heads (aux1.*, aux2.* are skipped when binding). paper: softmax; torchvision: logits, \
                 and no transform_input in the graph (see the preprocessing note; or export --with-preprocess).",
    },
];

/// One row of Table 1: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj.
struct Inception(&'static str, [usize; 6]);

const STAGE3: [Inception; 2] =
    [Inception("3a", [64, 96, 128, 16, 32, 32]), Inception("3b", [128, 128, 192, 32, 96, 64])];
const STAGE4: [Inception; 5] = [
    Inception("4a", [192, 96, 208, 16, 48, 64]),
    Inception("4b", [160, 112, 224, 24, 64, 64]),
    Inception("4c", [128, 128, 256, 24, 64, 64]),
    Inception("4d", [112, 144, 288, 32, 64, 64]),
    Inception("4e", [256, 160, 320, 32, 128, 128]),
];
const STAGE5: [Inception; 2] =
    [Inception("5a", [256, 160, 320, 32, 128, 128]), Inception("5b", [384, 192, 384, 48, 128, 128])];

/// BVLC: conv (with bias) + ReLU, named as deploy.prototxt names the pair (`conv2/3x3` → `conv2`).
fn conv_relu(net: &mut Net, x: Value, name: &str, c: Conv) -> Result<Value, GraphError> {
    let x = net.layer(name, x, c)?;
    net.layer(&format!("{name}.relu"), x, Relu)
}

fn paper_inception(net: &mut Net, x: Value, row: &Inception) -> Result<Value, GraphError> {
    let [c1, c3r, c3, c5r, c5, pp] = row.1;
    let n = format!("inception_{}", row.0);
    let b1 = conv_relu(net, x, &format!("{n}.1x1"), Conv::new(c1, 1))?;
    let b2 = conv_relu(net, x, &format!("{n}.3x3_reduce"), Conv::new(c3r, 1))?;
    let b2 = conv_relu(net, b2, &format!("{n}.3x3"), Conv::new(c3, 3).pad(1))?;
    let b3 = conv_relu(net, x, &format!("{n}.5x5_reduce"), Conv::new(c5r, 1))?;
    let b3 = conv_relu(net, b3, &format!("{n}.5x5"), Conv::new(c5, 5).pad(2))?;
    let b4 = net.layer(&format!("{n}.pool"), x, MaxPool::new(3, 1).pad(1))?;
    let b4 = conv_relu(net, b4, &format!("{n}.pool_proj"), Conv::new(pp, 1))?;
    net.layer_n(&format!("{n}.output"), &[b1, b2, b3, b4], Concat { axis: 1 })
}

fn paper(net: &mut Net, x: Value, o: &Options) -> Result<Value, GraphError> {
    let norm = Lrn::caffe(5, 1e-4, 0.75, 1.0);
    let x = conv_relu(net, x, "conv1", Conv::new(64, 7).stride(2).pad(3))?; //  224 → 112
    let x = net.layer("pool1", x, MaxPool::new(3, 2).ceil())?; //                112 → 56
    let x = net.layer("norm1", x, norm)?;
    let x = conv_relu(net, x, "conv2_reduce", Conv::new(64, 1))?;
    let x = conv_relu(net, x, "conv2", Conv::new(192, 3).pad(1))?;
    let x = net.layer("norm2", x, norm)?;
    let mut x = net.layer("pool2", x, MaxPool::new(3, 2).ceil())?; //            56 → 28
    for row in &STAGE3 {
        x = paper_inception(net, x, row)?;
    }
    x = net.layer("pool3", x, MaxPool::new(3, 2).ceil())?; //                    28 → 14
    for row in &STAGE4 {
        x = paper_inception(net, x, row)?;
    }
    x = net.layer("pool4", x, MaxPool::new(3, 2).ceil())?; //                    14 → 7
    for row in &STAGE5 {
        x = paper_inception(net, x, row)?;
    }
    let x = net.layer("pool5", x, AveragePool::new(7, 1))?; //                   7 → 1
    let x = net.layer("flatten", x, Flatten)?;
    let x = net.layer("dropout", x, Dropout(0.4))?;
    net.layer("classifier", x, Linear::head(o.num_classes))
}

/// torchvision's BasicConv2d: conv (no bias) → BN (ε 1e-3) → ReLU.
fn basic_conv(net: &mut Net, x: Value, name: &str, c: Conv) -> Result<Value, GraphError> {
    let x = net.layer(&format!("{name}.conv"), x, c.no_bias())?;
    let x = net.layer(&format!("{name}.bn"), x, BatchNorm::new(BatchNorm::KERAS_EPS))?;
    net.layer(&format!("{name}.relu"), x, Relu)
}

fn tv_inception(net: &mut Net, x: Value, row: &Inception) -> Result<Value, GraphError> {
    let [c1, c3r, c3, c5r, c5, pp] = row.1;
    let n = format!("inception{}", row.0);
    let b1 = basic_conv(net, x, &format!("{n}.branch1"), Conv::new(c1, 1))?;
    let b2 = basic_conv(net, x, &format!("{n}.branch2.0"), Conv::new(c3r, 1))?;
    let b2 = basic_conv(net, b2, &format!("{n}.branch2.1"), Conv::new(c3, 3).pad(1))?;
    let b3 = basic_conv(net, x, &format!("{n}.branch3.0"), Conv::new(c5r, 1))?;
    // torchvision: a 3×3 where the paper has 5×5.
    let b3 = basic_conv(net, b3, &format!("{n}.branch3.1"), Conv::new(c5, 3).pad(1))?;
    let b4 = net.layer(&format!("{n}.branch4.0"), x, MaxPool::new(3, 1).pad(1).ceil())?;
    let b4 = basic_conv(net, b4, &format!("{n}.branch4.1"), Conv::new(pp, 1))?;
    net.layer_n(&n, &[b1, b2, b3, b4], Concat { axis: 1 })
}

fn torchvision(net: &mut Net, x: Value, o: &Options) -> Result<Value, GraphError> {
    let x = basic_conv(net, x, "conv1", Conv::new(64, 7).stride(2).pad(3))?; //  224 → 112
    let x = net.layer("maxpool1", x, MaxPool::new(3, 2).ceil())?; //             112 → 56
    let x = basic_conv(net, x, "conv2", Conv::new(64, 1))?;
    let x = basic_conv(net, x, "conv3", Conv::new(192, 3).pad(1))?;
    let mut x = net.layer("maxpool2", x, MaxPool::new(3, 2).ceil())?; //         56 → 28
    for row in &STAGE3 {
        x = tv_inception(net, x, row)?;
    }
    x = net.layer("maxpool3", x, MaxPool::new(3, 2).ceil())?; //                 28 → 14
    for row in &STAGE4 {
        x = tv_inception(net, x, row)?;
    }
    x = net.layer("maxpool4", x, MaxPool::new(2, 2).ceil())?; //                 14 → 7
    for row in &STAGE5 {
        x = tv_inception(net, x, row)?;
    }
    let x = net.layer("avgpool", x, GlobalAveragePool)?;
    let x = net.layer("flatten", x, Flatten)?;
    let x = net.layer("dropout", x, Dropout(0.2))?;
    net.layer("fc", x, Linear::head(o.num_classes))
}

pub const FAMILY: Family = Family {
    name: "googlenet",
    about: "Inception v1: nine inception modules, each running 1×1, 3×3 and 5×5 convolutions and a 3×3 max-pool \
            side by side (1×1 convolutions first reduce the channels the large ones see) and concatenating them; \
            22 weight layers deep with about 7 million parameters, twelve times fewer than AlexNet. Won ILSVRC \
            2014 classification.",
    sources: SOURCES,
    notes: NOTES,
    variants: &[
        Variant {
            name: "paper",
            summary: "GoogLeNet as BVLC trains it: biases, real 5×5 branches, LRN, softmax",
            source: "Szegedy et al., Going Deeper with Convolutions, CVPR 2015, Table 1; Caffe models/bvlc_googlenet/deploy.prototxt",
            input: [3, 224, 224],
            softmax: true,
            preprocess: Preprocess {
                channel_order: "BGR",
                scale: 255.0,
                mean: [104.0, 117.0, 123.0],
                std: [1.0, 1.0, 1.0],
                note: "Caffe: BGR 0-255 minus [104, 117, 123] per channel, crop 224",
            },
            ignore_weights: &[],
            published: Published {
                params: 6_998_552,
                gmacs: Some(1.583),
                source: "counted by hand from the paper's Table 1 with BVLC's deploy.prototxt (biases, real 5×5 branches), at 224×224",
            },
            build: paper,
        },
        Variant {
            name: "torchvision",
            summary: "torchvision.models.googlenet: conv + BatchNorm, 3×3 in place of 5×5, logits",
            source: "torchvision.models.googlenet (Szegedy et al. 2015 with BatchNorm)",
            input: [3, 224, 224],
            softmax: false,
            preprocess: Preprocess {
                note: "torchvision ImageNet transforms; its pretrained weights expect transform_input, i.e. \
                       (x·std + mean − 0.5)/0.5 per channel, which this graph does not apply",
                ..TORCHVISION
            },
            ignore_weights: &["aux1.", "aux2."],
            published: Published {
                params: 6_624_904,
                gmacs: Some(1.498),
                source: "torchvision GoogLeNet_Weights.IMAGENET1K_V1 meta: num_params, and _ops (its \"GFLOPS\", which are GMACs)",
            },
            build: torchvision,
        },
    ],
};
