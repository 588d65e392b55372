//! Embeds the committed manifests (`zoo/<model>/<variant>/manifest.json`) so that an installed
//! `zoo` binary can check its exports without the repository at hand.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let zoo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../zoo");
    println!("cargo:rerun-if-changed={}", zoo.display());
    let mut entries = Vec::new();
    if let Ok(models) = std::fs::read_dir(&zoo) {
        for model in models.flatten().filter(|e| e.path().is_dir()) {
            println!("cargo:rerun-if-changed={}", model.path().display());
            for variant in std::fs::read_dir(model.path()).into_iter().flatten().flatten() {
                let manifest = variant.path().join("manifest.json");
                println!("cargo:rerun-if-changed={}", variant.path().display());
                if manifest.is_file() {
                    println!("cargo:rerun-if-changed={}", manifest.display());
                    entries.push((
                        model.file_name().to_string_lossy().into_owned(),
                        variant.file_name().to_string_lossy().into_owned(),
                        manifest.canonicalize().unwrap_or(manifest),
                    ));
                }
            }
        }
    }
    entries.sort();
    let mut code = String::from("pub(crate) static EMBEDDED: &[(&str, &str, &str)] = &[\n");
    for (m, v, p) in entries {
        let _ = writeln!(code, "    ({m:?}, {v:?}, include_str!({:?})),", p.display().to_string());
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("embedded.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("writing {}: {e}", out.display());
    }
}
