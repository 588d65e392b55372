//! `verify --inputs DIR` on a file with several inputs or an integer or boolean one: DIR is laid
//! out as onnx's test data sets are (`onnx/backend/test/data/node/*/test_data_set_0/`): one
//! `input_K.pb` per graph input and, when present, `output_K.pb` the outputs expected. Integer
//! and boolean inputs come only from here (verify draws float inputs alone); an input without a
//! file is drawn as usual if it is a float one, and named in an error otherwise. The tensors'
//! shapes bind the inputs' symbolic dimensions where `--shape` does not.

use std::path::{Path, PathBuf};

use zoo_runtime::{Tensor, pb};
use zoo_ship::signature::Tensor as Declared;

use crate::shapes::Binding;
use crate::{bail, err};

/// What DIR gives: a tensor per graph input it holds (named as the input), and the outputs
/// expected, by position.
pub(crate) struct Given {
    pub inputs: Vec<Tensor>,
    pub expected: Vec<(PathBuf, Tensor)>,
}

/// Whether `--inputs DIR` is read as one tensor per graph input (rather than as items of a
/// single float input, images included): the file has several inputs or a non-float one, or
/// DIR holds expected outputs (`output_K.pb`: a test data set, as onnx's, the Model Zoo's and
/// `zoo run -o`'s folders are).
pub(crate) fn is_tensor_set(dir: &Path, declared: &[Declared]) -> bool {
    declared.len() > 1
        || declared.iter().any(|t| !crate::diff::is_float(t.elem_type))
        || numbered(dir, "output_").is_ok_and(|o| !o.is_empty())
}

/// The files `PREFIX_K.pb` of `dir`, by K.
fn numbered(dir: &Path, prefix: &str) -> crate::Result<Vec<(usize, PathBuf)>> {
    let entries = std::fs::read_dir(dir).map_err(|e| err!("cannot read the input folder {}: {e}", dir.display()))?;
    let mut out: Vec<(usize, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let k = name.strip_prefix(prefix)?.strip_suffix(".pb")?.parse().ok()?;
            Some((k, p))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The declared input each `input_K.pb` of `dir` feeds: the input its tensor names, else the
/// K-th. Each input at most once.
fn mapped(dir: &Path, declared: &[Declared]) -> crate::Result<Vec<(usize, PathBuf, Tensor)>> {
    let files = numbered(dir, "input_")?;
    if files.is_empty() {
        bail!(
            "no input_K.pb in {}: for a file with several or integer inputs --inputs takes a folder laid out as \
             onnx's test data sets (input_0.pb, input_1.pb, … one per graph input)",
            dir.display()
        );
    }
    let names: Vec<&str> = declared.iter().map(|t| t.name.as_str()).collect();
    let mut out: Vec<(usize, PathBuf, Tensor)> = Vec::new();
    for (k, path) in files {
        let t = pb::read_tensor(&path).map_err(|e| err!("input tensor: {e}"))?;
        let i = match names.iter().position(|n| *n == t.name) {
            Some(i) => i,
            None if k < names.len() => k,
            None => bail!(
                "{}: tensor `{}` names no input, and the file has {} input(s) ({}), not {}",
                path.display(),
                t.name,
                names.len(),
                names.join(", "),
                k + 1
            ),
        };
        if let Some((_, other, _)) = out.iter().find(|(j, _, _)| *j == i) {
            bail!(
                "{} and {} both feed input `{}`: give one tensor per input",
                other.display(),
                path.display(),
                names[i]
            );
        }
        let want = declared[i].elem_type;
        let given = t.ints.as_ref().map_or(1, |x| x.ty.onnx());
        if given != want {
            bail!(
                "{} holds {} values, but input `{}` is {}: give it a tensor of the input's type",
                path.display(),
                t.type_name(),
                names[i],
                zoo_ship::triton::onnx_type_name(want)
            );
        }
        let binding = Binding { name: names[i].to_string(), dims: t.shape.clone() };
        if t.shape.contains(&0) {
            bail!(
                "{} has shape {:?}, an empty tensor: zoo verify feeds non-empty inputs only (OpenVINO's C API refuses \
                 a zero-size static shape); give input `{}` at least one element",
                path.display(),
                t.shape,
                names[i]
            );
        }
        if crate::shapes::resolve(&declared[i], std::slice::from_ref(&binding), 1).is_err() {
            bail!(
                "{} has shape {:?}, but input `{}` is declared {}",
                path.display(),
                t.shape,
                names[i],
                crate::shapes::declared(&declared[i])
            );
        }
        out.push((i, path, t.renamed(names[i])));
    }
    Ok(out)
}

/// `--shape` bindings for the inputs DIR gives a tensor for and `shapes` does not bind: the
/// tensors' own shapes. For a single float input, the first `input_*.pb`'s (its items may be
/// spread over several files; images are prepared at the size the file declares).
pub(crate) fn bindings(dir: &Path, declared: &[Declared], shapes: &[Binding]) -> crate::Result<Vec<Binding>> {
    let mut out = shapes.to_vec();
    if is_tensor_set(dir, declared) {
        for (i, _, t) in mapped(dir, declared)? {
            if !shapes.iter().any(|b| b.name == declared[i].name) {
                out.push(Binding { name: declared[i].name.clone(), dims: t.shape });
            }
        }
    } else if let (Some(first), Some((_, path))) = (declared.first(), numbered(dir, "input_")?.into_iter().next()) {
        let t = pb::read_tensor(&path).map_err(|e| err!("input tensor: {e}"))?;
        let binding = Binding { name: first.name.clone(), dims: t.shape.clone() };
        let fits = !t.shape.contains(&0) && crate::shapes::resolve(first, std::slice::from_ref(&binding), 1).is_ok();
        if fits && !shapes.iter().any(|b| b.name == first.name) {
            out.push(binding);
        }
    }
    Ok(out)
}

/// Reads DIR for a file whose inputs are `declared`: every input it gives, each float input it
/// does not drawn by `draw` (name, position), and the expected outputs. An integer or boolean
/// input without a file is an error naming it and the flag.
pub(crate) fn read(
    dir: &Path,
    declared: &[Declared],
    mut draw: impl FnMut(&Declared, usize) -> crate::Result<Tensor>,
) -> crate::Result<Given> {
    let mut given = mapped(dir, declared)?;
    let mut inputs = Vec::with_capacity(declared.len());
    for (i, d) in declared.iter().enumerate() {
        match given.iter().position(|(j, _, _)| *j == i) {
            Some(k) => inputs.push(given.swap_remove(k).2),
            None if crate::diff::is_float(d.elem_type) => inputs.push(draw(d, i)?),
            None => bail!(
                "input `{}` is {} and {} has no tensor for it: verify draws float inputs only; add input_{i}.pb \
                 (onnx.numpy_helper.from_array) to the --inputs folder",
                d.name,
                zoo_ship::triton::onnx_type_name(d.elem_type),
                dir.display()
            ),
        }
    }
    let mut expected = Vec::new();
    for (_, path) in numbered(dir, "output_")? {
        let t = pb::read_tensor(&path).map_err(|e| err!("expected output: {e}"))?;
        expected.push((path, t));
    }
    Ok(Given { inputs, expected })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use zoo_runtime::IntType;
    use zoo_ship::signature::Dim;

    fn declared(name: &str, elem_type: i32, dims: Vec<Dim>) -> Declared {
        Declared { name: name.into(), elem_type, dims }
    }

    fn write(dir: &Path, file: &str, t: &Tensor) {
        pb::write_tensor(&dir.join(file), t).unwrap();
    }

    #[test]
    fn tensors_feed_inputs_by_name_then_position_and_integers_come_only_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = [
            declared("x", 1, vec![Dim::Symbolic, Dim::Fixed(4)]),
            declared("ids", 7, vec![Dim::Fixed(3)]),
            declared("w", 1, vec![Dim::Fixed(2)]),
        ];
        let d = dir.path();
        assert!(is_tensor_set(d, &inputs) && !is_tensor_set(d, &inputs[..1]) && is_tensor_set(d, &inputs[1..2]));
        // Unnamed: by position (input_1.pb is `ids`); named: by name, wherever it sits.
        write(dir.path(), "input_1.pb", &Tensor::int("", vec![3], IntType::I64, vec![5, -1, 1 << 40]));
        write(dir.path(), "input_7.pb", &Tensor::new("x", vec![2, 4], vec![0.5; 8]));
        write(dir.path(), "output_0.pb", &Tensor::new("y", vec![2], vec![1.0, 2.0]));
        assert!(is_tensor_set(d, &inputs[..1]), "a folder with expected outputs is a test data set");
        let b = bindings(dir.path(), &inputs, &[]).unwrap();
        assert_eq!(b, [Binding { name: "ids".into(), dims: vec![3] }, Binding { name: "x".into(), dims: vec![2, 4] }]);
        let mut drawn = Vec::new();
        let g = read(dir.path(), &inputs, |d, i| {
            drawn.push((d.name.clone(), i));
            Ok(Tensor::new(d.name.clone(), vec![2], vec![0.0; 2]))
        })
        .unwrap();
        assert_eq!(drawn, [("w".to_string(), 2)]);
        assert_eq!(g.inputs.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["x", "ids", "w"]);
        assert_eq!(g.inputs[1].ints.as_ref().unwrap().values, [5, -1, 1 << 40]);
        assert_eq!(g.expected.len(), 1);

        // An integer input with no file: one error naming it and the flag.
        std::fs::remove_file(dir.path().join("input_1.pb")).unwrap();
        let e = read(dir.path(), &inputs, |d, _| Ok(Tensor::new(d.name.clone(), vec![2], vec![0.0; 2])))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("input `ids` is INT64") && e.contains("add input_1.pb") && e.contains("--inputs"), "{e}");
    }

    #[test]
    fn wrong_types_shapes_and_doubles_are_refused_by_file() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = [declared("x", 1, vec![Dim::Fixed(2)]), declared("ids", 7, vec![Dim::Fixed(3)])];
        write(dir.path(), "input_1.pb", &Tensor::new("", vec![3], vec![1.0; 3]));
        let e = bindings(dir.path(), &inputs, &[]).unwrap_err().to_string();
        assert!(e.contains("input_1.pb holds FLOAT values, but input `ids` is INT64"), "{e}");
        write(dir.path(), "input_1.pb", &Tensor::int("", vec![4], IntType::I64, vec![1; 4]));
        let e = bindings(dir.path(), &inputs, &[]).unwrap_err().to_string();
        assert!(e.contains("has shape [4], but input `ids` is declared [3]"), "{e}");
        write(dir.path(), "input_1.pb", &Tensor::int("", vec![3], IntType::I64, vec![1; 3]));
        write(dir.path(), "input_2.pb", &Tensor::int("ids", vec![3], IntType::I64, vec![1; 3]));
        let e = bindings(dir.path(), &inputs, &[]).unwrap_err().to_string();
        assert!(e.contains("both feed input `ids`"), "{e}");
        std::fs::remove_file(dir.path().join("input_1.pb")).unwrap();
        write(dir.path(), "input_5.pb", &Tensor::new("z", vec![2], vec![1.0; 2]));
        let e = bindings(dir.path(), &inputs, &[]).unwrap_err().to_string();
        assert!(e.contains("tensor `z` names no input"), "{e}");
    }
}
