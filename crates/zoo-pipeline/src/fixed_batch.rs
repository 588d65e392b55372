//! Which batch sizes a file can be fed. A file whose input fixes its batch dimension
//! (`zoo export --batch 1`, and most published ONNX files) accepts only that batch: ONNX
//! Runtime and tract both refuse any other (ONNX IR spec, "Static tensor shapes": a dim_value
//! is a fixed size). The golden input is a prefix-stable stream (item b is the same whatever
//! the batch, `zoo_artifacts::golden::input`), so feeding the file its own batch means
//! generating that many items; the golden outputs are sliced to the items both have.

use crate::bail;

/// The batches to run: the file's own when it fixes one, else `requested` (default `default`).
pub fn batches(requested: &[usize], fixed: Option<usize>, default: usize) -> crate::Result<Vec<usize>> {
    match fixed {
        None if requested.is_empty() => Ok(vec![default]),
        None => Ok(requested.to_vec()),
        Some(b) => {
            if let Some(other) = requested.iter().find(|&&r| r != b) {
                bail!(
                    "the file's input has a fixed batch of {b}, so --batch {other} cannot be fed to it: \
                     drop --batch, pass --batch {b}, or export with --batch dynamic"
                );
            }
            Ok(vec![b])
        }
    }
}

/// What was done with the golden data (`golden`: its batch, `None` where no golden data
/// applies), for the report.
pub fn note(fixed: usize, golden: Option<usize>) -> String {
    let Some(golden) = golden else {
        return format!("the file fixes batch {fixed}: fed {fixed} item(s)");
    };
    if fixed <= golden {
        format!(
            "the file fixes batch {fixed}: fed {fixed} item(s), golden data sliced to the first {fixed} of {golden}"
        )
    } else {
        format!(
            "the file fixes batch {fixed}: fed {fixed} items (the golden input stream extended; its first {golden} are \
             the golden pair), compared with golden data on the first {golden}, across runtimes on all {fixed}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_batch_wins_and_a_conflicting_request_is_refused() {
        assert_eq!(batches(&[], None, 2).unwrap(), vec![2]);
        assert_eq!(batches(&[1, 3], None, 2).unwrap(), vec![1, 3]);
        assert_eq!(batches(&[], Some(1), 2).unwrap(), vec![1]);
        assert_eq!(batches(&[3], Some(3), 2).unwrap(), vec![3]);
        let e = batches(&[1, 3], Some(1), 2).unwrap_err().to_string();
        assert!(e.contains("fixed batch of 1") && e.contains("--batch 3"), "{e}");
    }
}
