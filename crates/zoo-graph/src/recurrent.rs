//! Multiply-accumulates of ONNX's recurrent ops (LSTM, GRU, RNN; onnx/docs/Operators.md), which
//! zoo carries but does not otherwise analyse. Every time step multiplies the input by `W`
//! ([num_directions, gates·hidden, input]) and the previous hidden state by `R`
//! ([num_directions, gates·hidden, hidden]), so one sequence costs seq_len × (|W| + |R|) MACs
//! per batch item; the gates' element-wise products count 0, as every element-wise op does.

use std::collections::HashMap;

use zoo_proto::NodeProto;

use crate::tensor::TensorInfo;

/// MACs per batch item of a default-domain LSTM/GRU/RNN node whose `X`, `W` and `R` shapes are
/// known; `None` for any other node or an unknown shape.
pub(crate) fn macs(node: &NodeProto, known: &HashMap<String, TensorInfo>) -> Option<u64> {
    if !node.domain.as_deref().unwrap_or("").is_empty() || !matches!(node.op_type(), "LSTM" | "GRU" | "RNN") {
        return None;
    }
    let info = |i: usize| known.get(node.input.get(i)?.as_str());
    let dims = |i: usize| -> Option<Vec<u64>> { info(i)?.shape.iter().map(|d| d.known().map(|n| n as u64)).collect() };
    let (w, r) = (dims(1)?, dims(2)?);
    // layout 0: X is [seq_length, batch_size, input_size]; layout 1 (opset 14): [batch, seq, input].
    // Only the sequence length must be known: the batch is per item anyway.
    let layout = node.attribute.iter().find(|a| a.name.as_deref() == Some("layout")).and_then(|a| a.i).unwrap_or(0);
    let seq = info(0)?.shape.get(if layout == 1 { 1 } else { 0 })?.known()? as u64;
    let count = |d: &[u64]| d.iter().fold(1u64, |a, &n| a.saturating_mul(n));
    Some(seq.saturating_mul(count(&w).saturating_add(count(&r))))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::tensor::{DType, Dim};

    #[test]
    fn an_lstm_costs_seq_times_its_weights() {
        let node = NodeProto {
            op_type: Some("LSTM".into()),
            input: vec!["x".into(), "w".into(), "r".into()],
            ..Default::default()
        };
        let info = |d: &[usize]| TensorInfo::new(DType::F32, d.iter().map(|&n| Dim::Known(n)).collect());
        let mut known = HashMap::new();
        // 25 steps, hidden 48, input 32, both directions: 25 × 2·4·48·(32 + 48).
        known.insert(
            "x".to_string(),
            TensorInfo::new(DType::F32, vec![Dim::Known(25), Dim::Sym("N".into()), Dim::Known(32)]),
        );
        known.insert("w".to_string(), info(&[2, 192, 32]));
        known.insert("r".to_string(), info(&[2, 192, 48]));
        assert_eq!(macs(&node, &known), Some(25 * 2 * 4 * 48 * (32 + 48)));
        known.insert(
            "x".to_string(),
            TensorInfo::new(DType::F32, vec![Dim::Sym("T".into()), Dim::Known(1), Dim::Known(32)]),
        );
        assert_eq!(macs(&node, &known), None);
    }
}
