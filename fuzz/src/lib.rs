//! What the fuzz targets share: the folder a model's external data may point into, and the
//! small network weights files are bound to. Each target in `fuzz_targets/` hands its bytes to
//! the same library functions the CLI calls on a file, in the same order, checks included.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use zoo_graph::ops::{BatchNorm, Conv, Flatten, Linear};
use zoo_graph::{Batch, Model, Net, Opset, image};
use zoo_weights::WeightsFile;

/// The external-data file beside the fuzzed model, and its size: seeds that use external
/// data name it (`location: "w.data"`), so the fuzzer starts from a model whose data
/// `ir::external::resolve` accepts and mutates offsets, lengths and names from there.
pub const DATA_FILE: &str = "w.data";
pub const DATA_LEN: usize = 8192;

/// The model's folder for the ONNX targets: `fuzz/target/scratch`, holding [`DATA_FILE`].
/// A fixed path (not a fresh temporary folder per process) because libFuzzer ends with
/// `exit`, which would leave one folder behind per run.
pub fn model_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/scratch");
        let data: Vec<u8> = (0..DATA_LEN).map(|i| (i % 251) as u8).collect();
        let path = dir.join(DATA_FILE);
        if std::fs::read(&path).ok().as_deref() != Some(data.as_slice()) {
            // Written beside and renamed: several fuzzing processes may start at once.
            let made = std::fs::create_dir_all(&dir).and_then(|()| {
                let tmp = tempfile::NamedTempFile::new_in(&dir)?;
                std::fs::write(tmp.path(), &data)?;
                tmp.persist(&path).map(drop).map_err(|e| e.error)
            });
            if let Err(e) = made {
                panic!("cannot prepare {}: {e}", dir.display());
            }
        }
        dir
    })
}

/// conv(3→2, 3×3, pad 1) → bn → flatten → fc(32→3): the network of `zoo-weights`' checkpoint
/// fixtures (`crates/zoo-weights/tests/fixtures`), whose files seed the weights targets, so
/// that mutated files still bind and the fuzzer reaches the streaming of their values.
pub fn tiny_model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let build = || -> Result<Model, zoo_graph::GraphError> {
            let mut net = Net::new("t", Opset::DEFAULT);
            let x = net.input("input", image(Batch::Dynamic, 3, 4, 4))?;
            let x = net.layer("conv", x, Conv::new(2, 3).pad(1))?;
            let x = net.layer("bn", x, BatchNorm::new(1e-5))?;
            let x = net.layer("flatten", x, Flatten)?;
            let x = net.layer("fc", x, Linear::new(3))?;
            net.output(x, "logits")?;
            Ok(net.finish("the network of zoo-weights' fixtures", vec![]))
        };
        match build() {
            Ok(m) => m,
            Err(e) => panic!("the fuzz targets' network: {e}"),
        }
    })
}

/// `zoo export MODEL --weights FILE` on the bytes of FILE: the file opened by content (zip or
/// legacy checkpoint, else safetensors), bound to the model's parameters by name and shape,
/// then streamed into an ONNX file in memory (every value converted) and hashed as the
/// export's reference weights are.
pub fn export_with_weights(name: &str, bytes: &[u8]) {
    let Ok(file) = WeightsFile::from_bytes(Path::new(name), bytes.to_vec()) else { return };
    if let WeightsFile::Pth(f) = &file {
        // `zoo export` lists nothing, but a mis-bound error names tensors and shapes from here.
        std::hint::black_box(f.tensors().count());
    }
    let model = tiny_model();
    let Ok(bound) = file.bind(&model.params) else { return };
    std::hint::black_box(bound.claimed_sha256());
    if zoo_graph::write::weights_sha256(model, &bound).is_err() {
        return;
    }
    let mut out = Vec::new();
    let _ = zoo_graph::write::encode(model, &bound, &mut out);
}
