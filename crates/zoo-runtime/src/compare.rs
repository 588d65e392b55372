//! Comparing one output against a reference, in the manner of NVIDIA Polygraphy's
//! `CompareFunc.simple` (`polygraphy/comparator/compare.py`): element-wise absolute and
//! relative differences, their maxima and mean, and the *minimum required tolerances* — the
//! smallest `atol` (with `rtol = 0`) and the smallest `rtol` (with `atol = 0`) under which the
//! outputs would have matched. Classifier agreement (top-1 / top-5) and cosine similarity are
//! added because for softmax outputs a small absolute error can still flip a prediction.
//!
//! Differences from Polygraphy, on purpose:
//! - the pass test is `|a − r| ≤ atol + rtol·|r|` for every element (NumPy's `isclose`, as the
//!   ONNX backend tests use), which is stricter than Polygraphy's `elemwise` check (an element
//!   passes if *either* tolerance holds); with one of the two tolerances zero they agree;
//! - Polygraphy adds 2.2e-16 to zero reference values before dividing; here elements with
//!   `r = 0` are left out of [`Metrics::max_rel`] (their error is in `max_abs`), and
//!   [`Metrics::min_rtol`] is infinite when such an element differs at all, because no relative
//!   tolerance can pass it.
//!
//! Everything is computed in f64 from the f32 values, so the metrics themselves add no error.

use serde::Serialize;

use crate::error::RuntimeError;
use crate::tensor::Tensor;

/// An element passes iff `|a − r| ≤ atol + rtol·|r|`. Manifests record their golden data's
/// tolerance as this type too.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Tolerance {
    pub atol: f64,
    pub rtol: f64,
}

/// How far `actual` is from `reference`.
///
/// When either tensor holds a NaN or an infinity, `nan` is set, `pass` is false and the error
/// metrics follow IEEE arithmetic (a NaN difference makes `max_abs`, `mean_abs`, `max_rel` and
/// the minimum tolerances NaN), so a broken output is never mistaken for a close one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// `max |a − r|`.
    pub max_abs: f64,
    /// `mean |a − r|` (0 for empty tensors).
    pub mean_abs: f64,
    /// `max |a − r| / |r|` over the elements with `r ≠ 0` (0 when there are none).
    pub max_rel: f64,
    /// Cosine similarity of the flattened tensors; 1 when both are all zero, 0 when exactly one
    /// is.
    pub cosine: f64,
    /// Fraction of batch items whose argmax agrees. A batch item is everything after the first
    /// axis, flattened (so `[N, 1000]` and `[N, 1000, 1, 1]` classify alike); a tensor of rank
    /// ≤ 1 is one item. Ties go to the lower index. 1 when there are no items.
    pub top1: f64,
    /// Fraction of batch items whose sets of 5 largest indices are equal, order within the set
    /// ignored (an item with fewer than 5 elements uses all of them). Ties go to the lower index.
    pub top5: f64,
    /// The smallest `atol` that passes with `rtol = 0`: equal to `max_abs`.
    pub min_atol: f64,
    /// The smallest `rtol` that passes with `atol = 0`: `max_rel` up to an ulp (the exact
    /// threshold of `|a − r| ≤ rtol·|r|` as evaluated in f64); infinite when some `r = 0` has
    /// `a ≠ 0`.
    pub min_rtol: f64,
    /// Every element within the tolerance, and no NaN or infinity in either tensor.
    pub pass: bool,
    /// A NaN or an infinity in either tensor.
    pub nan: bool,
}

/// Compares `actual` against `reference` under `tol`. Tensors of different shapes are an
/// error, not a failed comparison: there is nothing element-wise to report.
/// Integer and boolean outputs (labels, indices, masks) pass only when equal: no tolerance
/// applies. The error metrics are the differences' (exact in f64 below 2^53); `top1` and `top5`
/// are the fraction of equal elements.
fn compare_ints(a: &[i64], r: &[i64]) -> Metrics {
    let (mut max_abs, mut sum_abs, mut max_rel, mut equal) = (0f64, 0f64, 0f64, 0usize);
    let (mut dot, mut norm_a, mut norm_r) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(r) {
        let d = (i128::from(x) - i128::from(y)).unsigned_abs() as f64;
        let (x, y) = (x as f64, y as f64);
        max_abs = max_abs.max(d);
        sum_abs += d;
        if y != 0.0 {
            max_rel = max_rel.max(d / y.abs());
        }
        equal += usize::from(d == 0.0);
        dot += x * y;
        norm_a += x * x;
        norm_r += y * y;
    }
    let n = a.len();
    let cosine = match (norm_a == 0.0, norm_r == 0.0) {
        (true, true) => 1.0,
        (true, false) | (false, true) => 0.0,
        (false, false) => (dot / (norm_a.sqrt() * norm_r.sqrt())).clamp(-1.0, 1.0),
    };
    let agree = if n == 0 { 1.0 } else { equal as f64 / n as f64 };
    let zero_differs = a.iter().zip(r).any(|(&x, &y)| y == 0 && x != 0);
    Metrics {
        max_abs,
        mean_abs: if n == 0 { 0.0 } else { sum_abs / n as f64 },
        max_rel,
        cosine,
        top1: agree,
        top5: agree,
        min_atol: max_abs,
        min_rtol: if zero_differs { f64::INFINITY } else { max_rel },
        pass: equal == n,
        nan: false,
    }
}

/// Signal-to-quantization-noise ratio of `actual` against `reference`, in dB:
/// 10·log₁₀(Σr² / Σ(a − r)²); infinite when they are equal. The per-layer measure of lossy
/// passes (fp16, int8) and of `verify --layers`.
pub fn sqnr_db(actual: &Tensor, reference: &Tensor) -> f64 {
    let (mut signal, mut noise) = (0f64, 0f64);
    for (&a, &r) in actual.data.iter().zip(&reference.data) {
        signal += f64::from(r) * f64::from(r);
        noise += (f64::from(a) - f64::from(r)).powi(2);
    }
    if noise == 0.0 { f64::INFINITY } else { 10.0 * (signal / noise).log10() }
}

pub fn compare(actual: &Tensor, reference: &Tensor, tol: Tolerance) -> Result<Metrics, RuntimeError> {
    if actual.shape != reference.shape {
        return Err(RuntimeError::Mismatch(format!(
            "cannot compare `{}` of shape {:?} with reference `{}` of shape {:?}",
            actual.name, actual.shape, reference.name, reference.shape
        )));
    }
    match (&actual.ints, &reference.ints) {
        (Some(a), Some(r)) => return Ok(compare_ints(&a.values, &r.values)),
        (None, None) => {}
        _ => {
            return Err(RuntimeError::Mismatch(format!(
                "cannot compare `{}` ({}) with reference `{}` ({})",
                actual.name,
                actual.type_name(),
                reference.name,
                reference.type_name()
            )));
        }
    }
    for t in [actual, reference] {
        if t.shape.iter().product::<usize>() != t.data.len() {
            return Err(RuntimeError::Mismatch(format!(
                "`{}` has shape {:?} but {} values",
                t.name,
                t.shape,
                t.data.len()
            )));
        }
    }

    let nan = actual.data.iter().chain(&reference.data).any(|x| !x.is_finite());
    let (mut max_abs, mut sum_abs, mut max_rel, mut min_rtol) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let (mut dot, mut norm_a, mut norm_r) = (0.0f64, 0.0f64, 0.0f64);
    let mut within = true;
    for (&a, &r) in actual.data.iter().zip(&reference.data) {
        let (a, r) = (f64::from(a), f64::from(r));
        // Exact: both are f32, so their difference is representable in f64.
        let d = (a - r).abs();
        max_abs = max_nan(max_abs, d);
        sum_abs += d;
        within &= d <= tol.atol + tol.rtol * r.abs();
        if r != 0.0 {
            let rel = d / r.abs();
            max_rel = max_nan(max_rel, rel);
            min_rtol = max_nan(min_rtol, smallest_ratio(d, r.abs()));
        } else if d != 0.0 {
            min_rtol = max_nan(min_rtol, if d.is_nan() { d } else { f64::INFINITY });
        }
        dot += a * r;
        norm_a += a * a;
        norm_r += r * r;
    }
    let n = actual.data.len();
    let cosine = match (norm_a == 0.0, norm_r == 0.0) {
        (true, true) => 1.0,
        (true, false) | (false, true) => 0.0,
        // Rounding can push |cos| a hair above 1; the clamp keeps it a cosine.
        (false, false) => (dot / (norm_a.sqrt() * norm_r.sqrt())).clamp(-1.0, 1.0),
    };
    let (top1, top5) = top_k_agreement(actual, reference);
    Ok(Metrics {
        max_abs,
        mean_abs: if n == 0 { 0.0 } else { sum_abs / n as f64 },
        max_rel,
        cosine,
        top1,
        top5,
        min_atol: max_abs,
        min_rtol,
        pass: within && !nan,
        nan,
    })
}

/// How informative a reference output is: a comparison proves little when the output barely
/// varies (every class near 1/1000, or every input giving the same answer).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// Root mean over batch items of the (population) variance within the item.
    pub across_classes: f64,
    /// Root mean over element positions of the variance over the batch; 0 for batch 1. A
    /// root mean square, not a mean of standard deviations: with a softmax most classes sit
    /// near 0 for every input, and the few that move are what a comparison can see.
    pub across_inputs: f64,
}

/// See [`Spread`]. Items are split as in [`Metrics::top1`].
pub fn spread(t: &Tensor) -> Spread {
    let (items, per) = items(t);
    if items == 0 || per == 0 {
        return Spread { across_classes: 0.0, across_inputs: 0.0 };
    }
    let item = |b: usize| &t.data[b * per..(b + 1) * per];
    let across_classes =
        ((0..items).map(|b| std(item(b).iter().map(|&x| f64::from(x))).powi(2)).sum::<f64>() / items as f64).sqrt();
    let across_inputs = if items < 2 {
        0.0
    } else {
        let column = |j: usize| (0..items).map(move |b| f64::from(t.data[b * per + j]));
        ((0..per).map(|j| std(column(j)).powi(2)).sum::<f64>() / per as f64).sqrt()
    };
    Spread { across_classes, across_inputs }
}

/// Like `f64::max`, but a NaN wins instead of being ignored.
fn max_nan(m: f64, x: f64) -> f64 {
    if x.is_nan() || x > m { x } else { m }
}

/// The smallest `q` with `d ≤ q·r` in f64 arithmetic (`r > 0`). The rounded quotient `d / r`
/// can miss it by an ulp either way — `(d / r)·r < d`, or a smaller `q` also passing — and a
/// "minimum tolerance" that fails its own test, or is not the minimum, would be a lie.
fn smallest_ratio(d: f64, r: f64) -> f64 {
    let mut q = d / r;
    while q.is_finite() && q * r < d {
        q = q.next_up();
    }
    while q > 0.0 && q.next_down() * r >= d {
        q = q.next_down();
    }
    q
}

/// Population standard deviation, two-pass for accuracy.
fn std(xs: impl Iterator<Item = f64> + Clone) -> f64 {
    let (n, sum) = xs.clone().fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    if n == 0 {
        return 0.0;
    }
    let mean = sum / n as f64;
    (xs.map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64).sqrt()
}

/// Number of batch items and elements per item: the first axis splits items for rank ≥ 2.
fn items(t: &Tensor) -> (usize, usize) {
    if t.shape.len() >= 2 { (t.shape[0], t.shape[1..].iter().product()) } else { (1, t.data.len()) }
}

/// Indices of the `k` largest values, ties to the lower index, sorted by index.
fn top_k(xs: &[f32], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    // `total_cmp` orders NaN too, so a broken output still gives a deterministic answer.
    idx.sort_by(|&i, &j| xs[j].total_cmp(&xs[i]).then(i.cmp(&j)));
    idx.truncate(k);
    idx.sort_unstable();
    idx
}

fn top_k_agreement(a: &Tensor, r: &Tensor) -> (f64, f64) {
    let (items, per) = items(r);
    if items == 0 {
        return (1.0, 1.0);
    }
    let (mut top1, mut top5) = (0usize, 0usize);
    for b in 0..items {
        let (xa, xr) = (&a.data[b * per..(b + 1) * per], &r.data[b * per..(b + 1) * per]);
        top1 += usize::from(top_k(xa, 1) == top_k(xr, 1));
        top5 += usize::from(top_k(xa, 5) == top_k(xr, 5));
    }
    (top1 as f64 / items as f64, top5 as f64 / items as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STRICT: Tolerance = Tolerance { atol: 0.0, rtol: 0.0 };

    fn t(shape: Vec<usize>, data: Vec<f32>) -> Tensor {
        Tensor::new("t", shape, data)
    }

    /// Integers pass only when equal, whatever the tolerance; past 2^24 (where f32 would
    /// round them together) too; an integer output against a float one is an error.
    #[test]
    fn integers_compare_exactly() {
        let int = |v: Vec<i64>| Tensor::int("label", vec![v.len()], crate::IntType::I64, v);
        let loose = Tolerance { atol: 10.0, rtol: 1.0 };
        let same = compare(&int(vec![3, 1 << 40]), &int(vec![3, 1 << 40]), STRICT).unwrap();
        assert!(same.pass && same.max_abs == 0.0 && same.top1 == 1.0);
        let off = compare(&int(vec![3, (1 << 40) + 1]), &int(vec![3, 1 << 40]), loose).unwrap();
        assert!(!off.pass, "{off:?}");
        assert_eq!((off.max_abs, off.top1), (1.0, 0.5));
        let extremes = compare(&int(vec![i64::MIN]), &int(vec![i64::MAX]), loose).unwrap();
        assert!(!extremes.pass && extremes.max_abs > 1.8e19, "{extremes:?}");
        let msg = compare(&int(vec![1, 2]), &t(vec![2], vec![1.0, 2.0]), loose).unwrap_err().to_string();
        assert!(msg.contains("(INT64)") && msg.contains("(FLOAT)"), "{msg}");
    }

    #[test]
    fn sqnr_of_a_ten_percent_error_is_20_db() {
        let r = t(vec![2], vec![1.0, -1.0]);
        let a = t(vec![2], vec![1.1, -0.9]);
        assert!((sqnr_db(&a, &r) - 20.0).abs() < 1e-5, "{}", sqnr_db(&a, &r));
        assert_eq!(sqnr_db(&r, &r), f64::INFINITY);
    }

    #[test]
    fn hand_computed_metrics() {
        let r = t(vec![2, 3], vec![1.0, 2.0, 4.0, 0.0, -1.0, 0.5]);
        let a = t(vec![2, 3], vec![1.0, 2.5, 3.0, 0.0, -1.0, 0.5]);
        let m = compare(&a, &r, STRICT).unwrap();
        assert_eq!(m.max_abs, 1.0);
        assert_eq!(m.mean_abs, 1.5 / 6.0);
        assert_eq!(m.max_rel, 0.25);
        assert_eq!(m.min_atol, 1.0);
        assert_eq!(m.min_rtol, 0.25);
        // Item 0: argmax 2 in both; item 1: argmax 2 (0.5) in both.
        assert_eq!(m.top1, 1.0);
        assert_eq!(m.top5, 1.0);
        assert!(!m.pass && !m.nan);
        let expected_cos = (1.0 + 5.0 + 12.0 + 1.0 + 0.25)
            / ((1.0f64 + 6.25 + 9.0 + 1.0 + 0.25).sqrt() * (1.0f64 + 4.0 + 16.0 + 1.0 + 0.25).sqrt());
        assert!((m.cosine - expected_cos).abs() < 1e-15);
        assert!(compare(&a, &r, Tolerance { atol: 1.0, rtol: 0.0 }).unwrap().pass);
        assert!(compare(&a, &r, Tolerance { atol: 0.0, rtol: 0.25 }).unwrap().pass);
        // Sum semantics: 0.5 + 0.125·4 = 1 covers the worst element, though neither alone does.
        assert!(compare(&a, &r, Tolerance { atol: 0.5, rtol: 0.125 }).unwrap().pass);
        assert!(!compare(&a, &r, Tolerance { atol: 0.5, rtol: 0.12 }).unwrap().pass);
    }

    #[test]
    fn zero_reference_values() {
        let r = t(vec![3], vec![0.0, 0.0, 2.0]);
        // Equal zeros cost nothing.
        let m = compare(&t(vec![3], vec![0.0, 0.0, 2.2]), &r, STRICT).unwrap();
        assert!((m.min_rtol - 0.1).abs() < 1e-6 && m.min_rtol.is_finite());
        // A non-zero value against a zero reference: no rtol can pass it.
        let m = compare(&t(vec![3], vec![1e-3, 0.0, 2.0]), &r, STRICT).unwrap();
        assert_eq!(m.max_rel, 0.0);
        assert_eq!(m.min_rtol, f64::INFINITY);
        assert_eq!(m.min_atol, f64::from(1e-3f32));
        assert!(!compare(&t(vec![3], vec![1e-3, 0.0, 2.0]), &r, Tolerance { atol: 0.0, rtol: 1e30 }).unwrap().pass);
        // Cosine conventions.
        let z = t(vec![3], vec![0.0; 3]);
        assert_eq!(compare(&z, &z, STRICT).unwrap().cosine, 1.0);
        assert_eq!(compare(&z, &r, STRICT).unwrap().cosine, 0.0);
    }

    #[test]
    fn nan_and_inf_never_pass() {
        let r = t(vec![1, 3], vec![0.1, 0.2, 0.7]);
        let loose = Tolerance { atol: 1e9, rtol: 1e9 };
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let a = t(vec![1, 3], vec![0.1, bad, 0.7]);
            let m = compare(&a, &r, loose).unwrap();
            assert!(m.nan && !m.pass, "{bad}");
            let m = compare(&r, &a, loose).unwrap();
            assert!(m.nan && !m.pass, "{bad}");
        }
        let a = t(vec![1, 3], vec![0.1, f32::NAN, 0.7]);
        assert!(compare(&a, &r, loose).unwrap().max_abs.is_nan());
        // Identical infinities are still flagged: the runtime overflowed.
        let inf = t(vec![1], vec![f32::INFINITY]);
        let m = compare(&inf, &inf, loose).unwrap();
        assert!(m.nan && !m.pass);
    }

    #[test]
    fn shape_mismatch_is_an_error_naming_both() {
        let a = Tensor::new("prob", vec![1, 1000], vec![0.0; 1000]);
        let r = Tensor::new("ref", vec![1000, 1], vec![0.0; 1000]);
        let err = compare(&a, &r, STRICT).unwrap_err();
        assert!(matches!(err, RuntimeError::Mismatch(_)));
        assert_eq!(err.to_string(), "cannot compare `prob` of shape [1, 1000] with reference `ref` of shape [1000, 1]");
    }

    #[test]
    fn top_k_per_batch_item() {
        // Items are rows of [3, 6]; item 1 swaps the top two, item 2 swaps ranks 5 and 6.
        let r = t(
            vec![3, 6],
            vec![
                0.0, 1.0, 2.0, 3.0, 4.0, 5.0, //
                0.0, 1.0, 2.0, 3.0, 4.0, 5.0, //
                0.0, 1.0, 2.0, 3.0, 4.0, 5.0,
            ],
        );
        let a = t(
            vec![3, 6],
            vec![
                0.0, 1.0, 2.0, 3.0, 4.0, 5.0, //
                0.0, 1.0, 2.0, 3.0, 5.5, 5.0, //
                1.5, 1.0, 2.0, 3.0, 4.0, 5.0,
            ],
        );
        let m = compare(&a, &r, STRICT).unwrap();
        assert_eq!(m.top1, 2.0 / 3.0);
        // Item 1 has the same top-5 set in another order; item 2 does not.
        assert_eq!(m.top5, 2.0 / 3.0);
        // [N, C, 1, 1] classifies like [N, C].
        let r4 = t(vec![3, 6, 1, 1], r.data.clone());
        let a4 = t(vec![3, 6, 1, 1], a.data.clone());
        let m4 = compare(&a4, &r4, STRICT).unwrap();
        assert_eq!((m4.top1, m4.top5), (m.top1, m.top5));
        assert_eq!(top_k(&[1.0, 3.0, 3.0, 0.0], 1), [1]);
        assert_eq!(top_k(&[1.0, 2.0], 5), [0, 1]);
    }

    #[test]
    fn spread_of_simple_outputs() {
        let uniform = t(vec![2, 4], vec![0.25; 8]);
        assert_eq!(spread(&uniform), Spread { across_classes: 0.0, across_inputs: 0.0 });
        let s = spread(&t(vec![2, 2], vec![0.0, 1.0, 1.0, 0.0]));
        assert_eq!(s.across_classes, 0.5);
        assert_eq!(s.across_inputs, 0.5);
        let s = spread(&t(vec![1, 2], vec![0.0, 1.0]));
        assert_eq!((s.across_classes, s.across_inputs), (0.5, 0.0));
        let s = spread(&t(vec![0, 5], vec![]));
        assert_eq!((s.across_classes, s.across_inputs), (0.0, 0.0));
    }

    fn pair() -> impl Strategy<Value = (Tensor, Tensor)> {
        (1usize..4, 1usize..12).prop_flat_map(|(b, c)| {
            let n = b * c;
            let vals = proptest::collection::vec(-1e3f32..1e3, n);
            let small = proptest::collection::vec(prop_oneof![Just(0.0f32), -1.0f32..1.0], n);
            (vals, small).prop_map(move |(r, noise)| {
                let a = r.iter().zip(&noise).map(|(x, e)| x + e).collect();
                (t(vec![b, c], a), t(vec![b, c], r))
            })
        })
    }

    proptest! {
        #[test]
        fn self_comparison_is_exact((x, _) in pair()) {
            let m = compare(&x, &x, STRICT).unwrap();
            prop_assert!(m.pass && !m.nan);
            prop_assert_eq!((m.max_abs, m.mean_abs, m.max_rel, m.min_atol, m.min_rtol), (0.0, 0.0, 0.0, 0.0, 0.0));
            prop_assert!((m.cosine - 1.0).abs() < 1e-12);
            prop_assert_eq!((m.top1, m.top5), (1.0, 1.0));
        }

        #[test]
        fn minimum_tolerances_are_exact_thresholds((a, r) in pair()) {
            let m = compare(&a, &r, STRICT).unwrap();
            let pass = |atol: f64, rtol: f64| compare(&a, &r, Tolerance { atol, rtol }).unwrap().pass;
            prop_assert!(pass(m.min_atol, 0.0));
            if m.min_atol > 0.0 {
                prop_assert!(!pass(m.min_atol.next_down(), 0.0));
            }
            if m.min_rtol.is_finite() {
                prop_assert!(pass(0.0, m.min_rtol));
                prop_assert!(m.min_rtol >= m.max_rel.next_down() && m.min_rtol <= m.max_rel.next_up());
                if m.min_rtol > 0.0 {
                    prop_assert!(!pass(0.0, m.min_rtol.next_down()));
                }
            } else {
                prop_assert!(!pass(0.0, 1e300));
            }
        }

        #[test]
        fn symmetric_metrics_are_symmetric((a, r) in pair()) {
            let ar = compare(&a, &r, STRICT).unwrap();
            let ra = compare(&r, &a, STRICT).unwrap();
            prop_assert_eq!(ar.max_abs, ra.max_abs);
            prop_assert_eq!(ar.mean_abs, ra.mean_abs);
            prop_assert_eq!(ar.min_atol, ra.min_atol);
            prop_assert_eq!(ar.cosine, ra.cosine);
            prop_assert_eq!((ar.top1, ar.top5), (ra.top1, ra.top5));
        }

        #[test]
        fn scaling_both_keeps_relative_metrics((a, r) in pair(), k in 1u32..8) {
            // A power of two scales f32 values exactly.
            let s = (1u32 << k) as f32;
            let scale = |x: &Tensor| t(x.shape.clone(), x.data.iter().map(|v| v * s).collect());
            let m = compare(&a, &r, STRICT).unwrap();
            let ms = compare(&scale(&a), &scale(&r), STRICT).unwrap();
            prop_assert_eq!(ms.max_rel, m.max_rel);
            prop_assert_eq!(ms.max_abs, m.max_abs * f64::from(s));
            prop_assert!((ms.cosine - m.cosine).abs() < 1e-12);
        }
    }
}
