//! Walks the registry and asks every op every question an [`OpDef`] answers, on the op's own
//! example node: an op added to [`REGISTRY`] is tested here without a line of its own.

use super::*;
use crate::opset::Opset;
use crate::receptive_field::{Field, propagate};
use crate::signal::Signal;
use crate::tensor::DType;

fn example_inputs(def: &OpDef) -> Vec<TensorInfo> {
    def.example
        .inputs
        .iter()
        .map(|&(dtype, shape)| TensorInfo::new(dtype, shape.iter().map(|&d| Dim::Known(d)).collect()))
        .collect()
}

fn infer_example(def: &OpDef, inputs: &[TensorInfo]) -> Result<Vec<TensorInfo>, ShapeError> {
    let node = def.example.node(def.name);
    let consts = |name: &str| {
        def.example.consts.iter().find(|(i, _)| node.input.get(*i).is_some_and(|n| n == name)).map(|(_, v)| v.to_vec())
    };
    (def.infer)(&node, inputs, Consts::ints_only(&consts))
}

#[test]
fn every_op_is_found_under_its_own_name_once() {
    for def in REGISTRY {
        assert!(std::ptr::eq(lookup(def.name).unwrap(), *def), "{}", def.name);
        assert_eq!(REGISTRY.iter().filter(|d| d.name == def.name).count(), 1, "{} listed twice", def.name);
        assert!(foreign::lookup(def.name).is_none(), "{} is both zoo's and foreign", def.name);
        assert_eq!(def.domain, "", "{}", def.name);
        assert_eq!(def.spec, format!("https://onnx.ai/onnx/operators/onnx__{}.html", def.name));
    }
    assert!(lookup("NoSuchOp").is_none());
}

#[test]
fn arity_and_opsets_are_sane() {
    for def in REGISTRY {
        let name = def.name;
        assert!(
            def.inputs.min <= def.inputs.max && def.outputs.min >= 1 && def.outputs.min <= def.outputs.max,
            "{name}"
        );
        assert!(!def.forms.is_empty(), "{name} has no forms");
        assert!(def.forms.windows(2).all(|w| w[0].since < w[1].since), "{name}'s forms are not sorted");
        assert!(def.forms.iter().all(|f| f.since >= 1 && !f.change.is_empty()), "{name}");
        assert!(!def.reads().is_empty(), "{name} is read at no opset");
        match def.writes {
            Writes::Never => assert!(def.writes().is_none(), "{name}"),
            Writes::From(since) => {
                let w = def.writes().unwrap();
                assert!(!w.is_empty() && since <= Opset::MAX, "{name}");
                assert!(
                    def.reads().contains(w.start()) && def.reads().contains(w.end()),
                    "{name} writes what it cannot read"
                );
                assert!(def.form(*w.start()).is_some(), "{name}");
            }
        }
        assert!(!def.types.is_empty(), "{name} has no type constraints");
    }
}

#[test]
fn every_op_infers_its_example_and_refuses_a_wrong_arity() {
    for def in REGISTRY {
        let name = def.name;
        let inputs = example_inputs(def);
        assert!(def.inputs.contains(inputs.len()), "{name}'s example has {} inputs", inputs.len());
        for (i, x) in inputs.iter().enumerate() {
            assert!(def.accepts(i, x.dtype), "{name} refuses its example's input {i} ({})", x.dtype);
        }
        let outputs = infer_example(def, &inputs).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(def.outputs.contains(outputs.len()), "{name}");
        let (dtype, shape) = def.example.output;
        assert_eq!(outputs[0], TensorInfo::new(dtype, shape.iter().map(|&d| Dim::Known(d)).collect()), "{name}");
        let fewer = &inputs[..def.inputs.min - 1];
        assert!(
            matches!(infer_example(def, fewer), Err(ShapeError::Arity { .. })),
            "{name} takes {} inputs",
            fewer.len()
        );
        if def.inputs.max < usize::MAX {
            let more: Vec<TensorInfo> = (0..=def.inputs.max).map(|i| inputs[i.min(inputs.len() - 1)].clone()).collect();
            assert!(
                matches!(infer_example(def, &more), Err(ShapeError::Arity { .. })),
                "{name} takes {} inputs",
                more.len()
            );
        }
    }
}

#[test]
fn every_op_answers_cost_roles_and_signal() {
    for def in REGISTRY {
        let name = def.name;
        let node = def.example.node(name);
        let inputs = example_inputs(def);
        let outputs = infer_example(def, &inputs).unwrap();
        let macs = def.macs(&node, &inputs, &outputs);
        assert_eq!(macs > 0, def.products(), "{name} costs {macs} MACs");
        let _ = (def.describe)(&node);
        let roles: Vec<Role> = (0..inputs.len()).map(def.role).collect();
        if def.int8 == Int8::WeightsPerChannel {
            assert!(macs > 0, "{name} quantizes weights but costs nothing");
            assert_eq!(roles[1], Role::Weight, "{name}'s weight");
        }
        let signals = vec![Signal::UNIT; inputs.len()];
        let weights = vec![None; inputs.len()];
        let s = (def.signal)(&node, &signals, &weights);
        assert!(s.mean_square().is_finite() && s.mean_square() >= 0.0, "{name}: {s:?}");
    }
}

#[test]
fn every_op_answers_receptive_field_drawing_and_passes() {
    for def in REGISTRY {
        let name = def.name;
        let node = def.example.node(name);
        let inputs = example_inputs(def);
        let fields: Vec<Option<Field>> = inputs.iter().map(|_| Some(Field::input(2))).collect();
        let f = propagate(&node, &fields, inputs.first());
        match def.field {
            FieldRule::Pointwise => assert_eq!(f, Some(Field::input(2)), "{name}"),
            FieldRule::Windowed => assert!(matches!(f, Some(Field::Local { .. })), "{name}: {f:?}"),
            FieldRule::Global => assert_eq!(f, Some(Field::Global), "{name}"),
            FieldRule::Unknown => assert_eq!(f, None, "{name}"),
        }
        assert_eq!(draw(name), def.draw, "{name}");
        // Only an op whose output is a shape, or a constant, not data, may be left undrawn.
        assert!(
            !def.draw.metadata || def.example.output.0 == DType::I64 || def.inputs.max == def.example.consts.len(),
            "{name} carries data"
        );
        assert!(def.draw.folds || def.draw.tag.is_empty(), "{name} has a tag but never folds");
        match def.fp16 {
            Fp16::Converts => {
                for (i, &(dtype, _)) in def.example.inputs.iter().enumerate() {
                    assert!(dtype != DType::F32 || def.accepts(i, DType::F16), "{name}'s input {i} in fp16");
                }
            }
            Fp16::KeepsFloat32(why) => assert!(!why.is_empty(), "{name} keeps float32 without a reason"),
            Fp16::KeepsInputs(kept) => {
                assert!(kept.iter().all(|&p| p < def.inputs.max), "{name} keeps an input it does not have");
                for (i, &(dtype, _)) in def.example.inputs.iter().enumerate() {
                    assert!(
                        dtype != DType::F32 || kept.contains(&i) || def.accepts(i, DType::F16),
                        "{name}'s input {i}"
                    );
                }
            }
        }
        assert_eq!(int8(name), def.int8, "{name}");
        match def.int8 {
            // It fuses into its one data input; any other is a scalar bound (Clip's min, max).
            Int8::FusesIntoInput => {
                assert!(def.example.inputs[1..].iter().all(|(_, dims)| dims.is_empty()), "{name} fuses into its input")
            }
            Int8::SharesInputParams => {
                assert_eq!(infer_example(def, &inputs).unwrap()[0].dtype, inputs[0].dtype, "{name}")
            }
            Int8::WeightsPerChannel | Int8::OwnParams | Int8::Float => {}
        }
    }
}

#[test]
fn foreign_ops_are_not_compiled_and_fall_back_when_unknown() {
    for f in foreign::FOREIGN {
        assert!(lookup(f.name).is_none(), "{} is zoo's", f.name);
        assert_eq!(draw(f.name), f.draw);
        assert_eq!(field(f.name), f.field);
        assert!(f.spec.starts_with("https://"), "{}", f.spec);
    }
    assert_eq!(draw("NoSuchOp"), Draw::UNKNOWN);
    assert_eq!(field("NoSuchOp"), FieldRule::Unknown);
    assert_eq!(int8("NoSuchOp"), Int8::Float);
}
