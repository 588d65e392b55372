//! Families, variants and build options: what `zoo list` shows and `zoo export` builds.

use zoo_graph::{Batch, GraphError, Model, Net, Opset, Value};

use crate::families;

/// How a deployment stack must prepare images for this network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preprocess {
    /// "RGB" or "BGR".
    pub channel_order: &'static str,
    /// Pixel scale the mean and std refer to: 1.0 for 0–1 inputs, 255.0 for raw 0–255.
    pub scale: f32,
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub note: &'static str,
}

/// One variant of a family: its source and defaults.
pub struct Variant {
    pub name: &'static str,
    pub summary: &'static str,
    /// The paper or reference implementation this variant reads.
    pub source: &'static str,
    /// Channels, height, width.
    pub input: [usize; 3],
    pub softmax: bool,
    pub preprocess: Preprocess,
    /// Checkpoint keys that are not part of this graph and are skipped when binding weights
    /// (prefixes; torchvision's GoogLeNet files carry auxiliary classifiers, `aux1.` `aux2.`).
    pub ignore_weights: &'static [&'static str],
    /// The counts its sources publish, which the built graph must reproduce.
    pub published: Published,
    pub build: fn(&mut Net, Value, &Options) -> Result<Value, GraphError>,
}

/// A variant's published size, as data beside its definition: the catalogue's tests, the
/// integration tests and `zoo list` read it from here, so adding a family adds its counts once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Published {
    /// Trainable parameters at 1000 classes: BatchNorm's scale and shift counted, its running
    /// statistics not. The built graph must have exactly these.
    pub params: u64,
    /// Multiply-accumulates of Conv and fully connected layers for one image at the variant's
    /// input size, in billions, to the three decimals published; the graph's count must round
    /// to it. torchvision's "GFLOPS" (`meta["_ops"]`) are multiply-accumulates, i.e. GMACs.
    /// `None` where no source publishes the figure to that precision.
    pub gmacs: Option<f64>,
    /// Where the figures come from: a weights entry's `meta` in torchvision, or the paper
    /// layers the count was made from by hand.
    pub source: &'static str,
}

/// torchvision's ImageNet preprocessing (`weights.transforms()`).
pub const TORCHVISION: Preprocess = Preprocess {
    channel_order: "RGB",
    scale: 1.0,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    note: "torchvision ImageNet transforms: resize 256, center crop 224, 0-1, normalise",
};

pub struct Family {
    pub name: &'static str,
    /// What the network is, in a few sentences: the first paragraph of its card.
    pub about: &'static str,
    pub variants: &'static [Variant],
    /// The papers and reference implementations the variants read, as the card cites them.
    pub sources: &'static [Source],
    /// Where those sources disagree (or one contradicts itself), and what zoo builds.
    pub notes: &'static [Note],
}

/// A source some of a family's variants are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The variants that read it (empty: every variant of the family).
    pub variants: &'static [&'static str],
    /// Authors, title and venue; or the project and path of a reference implementation.
    pub cite: &'static str,
    /// What zoo takes from it.
    pub used_for: &'static str,
}

/// One point on which the sources disagree, or on which one contradicts its own numbers: who
/// says what (paraphrased, never quoted), and what zoo builds, with the arithmetic or check
/// that decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    /// The variants it concerns (empty: every variant of the family).
    pub variants: &'static [&'static str],
    pub topic: &'static str,
    /// (source, what it says).
    pub claims: &'static [(&'static str, &'static str)],
    /// What zoo builds, and why.
    pub chosen: &'static str,
}

impl Source {
    pub fn applies_to(&self, variant: &str) -> bool {
        self.variants.is_empty() || self.variants.contains(&variant)
    }
}

impl Note {
    pub fn applies_to(&self, variant: &str) -> bool {
        self.variants.is_empty() || self.variants.contains(&variant)
    }
}

impl Family {
    pub fn default_variant(&self) -> &'static Variant {
        &self.variants[0]
    }
}

/// Build options common to every model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub num_classes: usize,
    pub batch: Batch,
    pub opset: Opset,
    /// `None`: the variant's default.
    pub softmax: Option<bool>,
    /// Prepend the variant's normalisation, so that the graph takes raw 0–255 pixels.
    pub with_preprocess: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            num_classes: 1000,
            batch: Batch::Dynamic,
            opset: Opset::DEFAULT,
            softmax: None,
            with_preprocess: false,
        }
    }
}

impl Options {
    /// Whether these options build the graph a manifest pins file by file (at the manifest's
    /// opset): 1000 classes, dynamic batch, the variant's own head, no preprocessing. The one
    /// definition `export` and `verify` both use, so a new option cannot slip past one of them.
    pub fn is_pinned_graph(&self, v: &Variant) -> bool {
        self.num_classes == 1000
            && self.batch == Batch::Dynamic
            && self.softmax.is_none_or(|s| s == v.softmax)
            && !self.with_preprocess
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("unknown model `{name}`: zoo has {valid}")]
    UnknownModel { name: String, valid: String },
    #[error("unknown variant `{variant}` of {model}: choose one of {valid}")]
    UnknownVariant { model: String, variant: String, valid: String },
    #[error("invalid option: {0}")]
    Option(String),
    #[error(transparent)]
    Graph(#[from] GraphError),
}

/// Finds a family and variant by name (`None`: the family's default variant).
pub fn find(model: &str, variant: Option<&str>) -> Result<(&'static Family, &'static Variant), ModelError> {
    let family = families().iter().find(|f| f.name == model).ok_or_else(|| ModelError::UnknownModel {
        name: model.to_string(),
        valid: families().iter().map(|f| f.name).collect::<Vec<_>>().join(", "),
    })?;
    let v = match variant {
        None => family.default_variant(),
        Some(v) => family.variants.iter().find(|x| x.name == v).ok_or_else(|| ModelError::UnknownVariant {
            model: model.to_string(),
            variant: v.to_string(),
            valid: family.variants.iter().map(|x| x.name).collect::<Vec<_>>().join(", "),
        })?,
    };
    Ok((family, v))
}

/// Builds the graph of `model`/`variant` with `options`, metadata included (no weights yet:
/// those stream in when the model is written).
pub fn build(model: &str, variant: Option<&str>, options: &Options) -> Result<Model, ModelError> {
    let (family, v) = find(model, variant)?;
    if options.num_classes == 0 {
        return Err(ModelError::Option("--num-classes must be at least 1".into()));
    }
    if options.batch == Batch::Fixed(0) {
        return Err(ModelError::Option("--batch must be at least 1 (or `dynamic`)".into()));
    }
    let softmax = options.softmax.unwrap_or(v.softmax);
    let mut net = Net::new(format!("{}-{}", family.name, v.name), options.opset);
    let [c, h, w] = v.input;
    let mut x = net.input("input", zoo_graph::image(options.batch, c, h, w))?;
    let p = &v.preprocess;
    if options.with_preprocess {
        // Raw 0–255 pixels: (x · scale/255 − mean) / std = (x − mean·255/scale) / (std·255/scale).
        let k = 255.0 / p.scale;
        let normalize = zoo_graph::ops::Normalize {
            mean: p.mean.iter().map(|m| m * k).collect(),
            std: p.std.iter().map(|s| s * k).collect(),
        };
        x = net.layer("preprocess", x, normalize)?;
    }
    let mut y = (v.build)(&mut net, x, options)?;
    let out_name = if softmax {
        y = net.layer("prob", y, zoo_graph::ops::Softmax { axis: 1 })?;
        "prob"
    } else {
        "logits"
    };
    net.output(y, out_name)?;
    let list = |a: [f32; 3]| format!("[{}, {}, {}]", a[0], a[1], a[2]);
    let metadata = vec![
        ("model".into(), family.name.into()),
        ("variant".into(), v.name.into()),
        ("source".into(), v.source.into()),
        ("num_classes".into(), options.num_classes.to_string()),
        ("output".into(), if softmax { "probabilities (softmax)" } else { "logits (no softmax)" }.into()),
        ("preprocess.input_size".into(), format!("{c}x{h}x{w}")),
        ("preprocess.channel_order".into(), p.channel_order.into()),
        ("preprocess.pixel_scale".into(), format!("0-{}", p.scale)),
        ("preprocess.mean".into(), list(p.mean)),
        ("preprocess.std".into(), list(p.std)),
        ("preprocess.note".into(), p.note.into()),
        (
            "preprocess.in_graph".into(),
            if options.with_preprocess {
                format!("yes: the graph takes raw 0-255 {} pixels and normalises them itself", p.channel_order)
            } else {
                "no: feed normalised input as described".into()
            },
        ),
    ];
    let doc = format!("{} {}: {}. Source: {}.", family.name, v.name, v.summary, v.source);
    Ok(net.finish(&doc, metadata))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zoo_graph::analysis::analyze;

    /// The cards cite what these say: every variant has a source, and every note and source
    /// names only variants that exist.
    #[test]
    fn sources_and_notes_name_real_variants() {
        for f in families() {
            assert!(!f.about.is_empty(), "{}", f.name);
            assert!(!f.notes.is_empty(), "{} has no notes", f.name);
            for v in f.variants {
                assert!(f.sources.iter().any(|s| s.applies_to(v.name)), "{}/{} cites no source", f.name, v.name);
            }
            let named = f.sources.iter().map(|s| s.variants).chain(f.notes.iter().map(|n| n.variants));
            for x in named.flatten() {
                assert!(f.variants.iter().any(|v| v.name == *x), "{}: no variant {x}", f.name);
            }
            for n in f.notes {
                assert!(!n.claims.is_empty() && !n.chosen.is_empty(), "{}: {}", f.name, n.topic);
            }
        }
    }

    /// Every variant's graph has exactly the parameters its sources publish, and its MACs round
    /// to theirs: counted by zoo's analysis and by the builder's own tally of trainable tensors.
    #[test]
    fn published_parameter_and_mac_counts() {
        for f in families() {
            for v in f.variants {
                let (model, variant, p) = (f.name, v.name, v.published);
                let m = build(model, Some(variant), &Options::default()).unwrap();
                let a = analyze(&m.proto);
                assert_eq!(a.totals.params, p.params, "{model}/{variant}");
                assert_eq!(m.trainable_count() as u64, p.params, "{model}/{variant}");
                assert_eq!(a.totals.unanalysed, 0, "{model}/{variant}");
                if let Some(gmacs) = p.gmacs {
                    let g = a.totals.macs as f64 / 1e9;
                    assert!((g - gmacs).abs() < 5e-4, "{model}/{variant}: {g} GMACs, published {gmacs}");
                }
            }
        }
    }

    /// What holds however many families there are: names that `find` can tell apart (one word,
    /// no family or variant twice), a default variant, and published counts with their source on
    /// every variant. Nothing here counts the
    /// families, so adding one changes no test.
    #[test]
    fn the_catalogue_names_each_variant_once_and_says_where_its_counts_come_from() {
        let mut seen = std::collections::BTreeSet::new();
        for f in families() {
            assert!(!f.variants.is_empty(), "{} has no variants", f.name);
            assert!(!f.name.is_empty() && !f.name.contains(['/', ' ']), "family name {:?}", f.name);
            for v in f.variants {
                assert!(!v.name.is_empty() && !v.name.contains(['/', ' ']), "{}: variant name {:?}", f.name, v.name);
                assert!(seen.insert((f.name, v.name)), "{}/{} is listed twice", f.name, v.name);
                assert!(v.published.params > 0 && !v.published.source.is_empty(), "{}/{}", f.name, v.name);
                assert!(v.published.gmacs.is_none_or(|g| g > 0.0), "{}/{}", f.name, v.name);
                find(f.name, Some(v.name)).unwrap_or_else(|e| panic!("{}/{}: {e}", f.name, v.name));
            }
        }
        let names: std::collections::BTreeSet<_> = families().iter().map(|f| f.name).collect();
        assert_eq!(names.len(), families().len(), "a family name is listed twice");
    }

    /// The paper's ResNet strides the bottleneck's first 1×1: same weights, fewer MACs.
    #[test]
    fn resnet_v1_differs_from_v1_5_only_in_the_stride() {
        for model in ["resnet50", "resnet101", "resnet152"] {
            let a = analyze(&build(model, Some("v1"), &Options::default()).unwrap().proto);
            let b = analyze(&build(model, Some("v1.5"), &Options::default()).unwrap().proto);
            assert_eq!(a.totals.params, b.totals.params);
            assert!(a.totals.macs < b.totals.macs, "{model}");
        }
        let stride = |m: &zoo_graph::Model, node: &str| {
            let n = m.proto.graph.as_ref().unwrap().node.iter().find(|n| n.name.as_deref() == Some(node)).unwrap();
            zoo_graph::attr::get_ints(n, "strides").unwrap()
        };
        let (v1, v15) = (
            build("resnet50", Some("v1"), &Options::default()).unwrap(),
            build("resnet50", Some("v1.5"), &Options::default()).unwrap(),
        );
        assert_eq!(stride(&v1, "layer2.0.conv1"), [2, 2]);
        assert_eq!(stride(&v1, "layer2.0.conv2"), [1, 1]);
        assert_eq!(stride(&v15, "layer2.0.conv1"), [1, 1]);
        assert_eq!(stride(&v15, "layer2.0.conv2"), [2, 2]);
    }

    #[test]
    fn torchvision_state_dict_names() {
        let names = |model: &str, variant: &str| -> Vec<String> {
            build(model, Some(variant), &Options::default()).unwrap().params.iter().map(|p| p.name.clone()).collect()
        };
        let r = names("resnet50", "v1.5");
        for k in [
            "conv1.weight",
            "bn1.running_var",
            "layer1.0.downsample.0.weight",
            "layer1.0.downsample.1.bias",
            "layer4.2.bn3.weight",
            "fc.bias",
        ] {
            assert!(r.iter().any(|n| n == k), "resnet50 lacks {k}");
        }
        let v = names("vgg16", "bn");
        for k in ["features.0.weight", "features.1.running_mean", "features.41.weight", "classifier.6.weight"] {
            assert!(v.iter().any(|n| n == k), "vgg16_bn lacks {k}");
        }
        let g = names("googlenet", "torchvision");
        for k in [
            "conv1.conv.weight",
            "conv1.bn.running_var",
            "inception3a.branch2.1.conv.weight",
            "inception5b.branch4.1.bn.bias",
            "fc.weight",
        ] {
            assert!(g.iter().any(|n| n == k), "googlenet lacks {k}");
        }
    }
}
