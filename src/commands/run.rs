//! `zoo run FILE --input input_0.pb -o DIR`: one run on one runtime, outputs written as
//! TensorProto files (`output_0.pb` …) — the ONNX Model Zoo's test-data format, readable by
//! `onnx.numpy_helper` — so any other tool can compare against zoo's runners.

use zoo_runtime::onnxruntime::OrtRunner;
use zoo_runtime::tract::TractRunner;
use zoo_runtime::{Runner, pb};

use crate::cli::RunArgs;

pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let inputs = args.inputs.iter().map(|p| pb::read_tensor(p)).collect::<Result<Vec<_>, _>>()?;
    let mut runner: Box<dyn Runner> = match args.runtime.as_str() {
        "ort" => {
            let (r, skipped) = OrtRunner::new(&args.model, &args.ort.ort_options(true))?;
            for s in skipped {
                eprintln!("zoo: warning: skipped {}: {}", s.provider, s.reason);
            }
            Box::new(r)
        }
        _ => {
            let shapes: Vec<(String, Vec<usize>)> = inputs.iter().map(|t| (t.name.clone(), t.shape.clone())).collect();
            Box::new(TractRunner::new(&args.model, &shapes)?)
        }
    };
    let out = runner.run(&inputs)?;
    std::fs::create_dir_all(&args.output_dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", args.output_dir.display()))?;
    for (i, t) in out.outputs.iter().enumerate() {
        let path = args.output_dir.join(format!("output_{i}.pb"));
        pb::write_tensor(&path, t)?;
        outln!("{}  {} {:?}  ({})", path.display(), t.name, t.shape, out.providers.join("+"))?;
    }
    Ok(())
}
