//! What torch puts in the pickle: storage types, persistent ids, `_rebuild_tensor_v2`'s
//! arguments, and the dict that holds the tensors (a state_dict, possibly wrapped).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::rc::Rc;

use super::pickle::{Global, Value};

/// Element type of a storage, from its class name (`torch.FloatStorage` → `F32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PthDtype {
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

impl PthDtype {
    pub(crate) fn from_storage_name(name: &str) -> Option<PthDtype> {
        Some(match name {
            "DoubleStorage" => PthDtype::F64,
            "FloatStorage" => PthDtype::F32,
            "HalfStorage" => PthDtype::F16,
            "BFloat16Storage" => PthDtype::BF16,
            "LongStorage" => PthDtype::I64,
            "IntStorage" => PthDtype::I32,
            "ShortStorage" => PthDtype::I16,
            "CharStorage" => PthDtype::I8,
            "ByteStorage" => PthDtype::U8,
            "BoolStorage" => PthDtype::Bool,
            _ => return None,
        })
    }

    /// torch's class name without `Storage`.
    pub(crate) fn storage_name(self) -> &'static str {
        match self {
            PthDtype::F64 => "Double",
            PthDtype::F32 => "Float",
            PthDtype::F16 => "Half",
            PthDtype::BF16 => "BFloat16",
            PthDtype::I64 => "Long",
            PthDtype::I32 => "Int",
            PthDtype::I16 => "Short",
            PthDtype::I8 => "Char",
            PthDtype::U8 => "Byte",
            PthDtype::Bool => "Bool",
        }
    }

    pub fn size(self) -> usize {
        match self {
            PthDtype::F64 | PthDtype::I64 => 8,
            PthDtype::F32 | PthDtype::I32 => 4,
            PthDtype::F16 | PthDtype::BF16 | PthDtype::I16 => 2,
            PthDtype::I8 | PthDtype::U8 | PthDtype::Bool => 1,
        }
    }

    /// Whether zoo can read it as weights (F64 is narrowed to f32).
    pub fn is_float(self) -> bool {
        matches!(self, PthDtype::F64 | PthDtype::F32 | PthDtype::F16 | PthDtype::BF16)
    }
}

impl fmt::Display for PthDtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PthDtype::F64 => "F64",
            PthDtype::F32 => "F32",
            PthDtype::F16 => "F16",
            PthDtype::BF16 => "BF16",
            PthDtype::I64 => "I64",
            PthDtype::I32 => "I32",
            PthDtype::I16 => "I16",
            PthDtype::I8 => "I8",
            PthDtype::U8 => "U8",
            PthDtype::Bool => "BOOL",
        })
    }
}

/// A storage as a persistent id names it; its bytes are found by `key` once the pickle is read.
#[derive(Debug)]
pub(crate) struct StorageRef {
    pub key: Rc<str>,
    pub dtype: PthDtype,
    /// Elements of the whole storage.
    pub numel: u64,
    /// Legacy storage views: (first element, elements) of the root storage.
    pub view: Option<(u64, u64)>,
}

/// A tensor as `_rebuild_tensor_v2` describes it (all in elements).
#[derive(Debug)]
pub(crate) struct TensorRef {
    pub storage: Rc<StorageRef>,
    pub offset: u64,
    pub shape: Vec<usize>,
    pub stride: Vec<usize>,
}

/// Most dimensions a tensor may have.
const MAX_NDIM: usize = 32;

fn usize_tuple(v: &Value, what: &str) -> Result<Vec<usize>, String> {
    let Value::Tuple(t) = v else { return Err(format!("{what} is {}, not a tuple", v.kind())) };
    if t.items.len() > MAX_NDIM {
        return Err(format!("{what} has {} dimensions (at most {MAX_NDIM})", t.items.len()));
    }
    t.items
        .iter()
        .map(|x| {
            x.as_int()
                .and_then(|i| usize::try_from(i).ok())
                .ok_or_else(|| format!("{what} holds {}, not a non-negative int", x.kind()))
        })
        .collect()
}

/// Backward hooks as saved: `OrderedDict()` (or `None` from torch 0.4).
pub(crate) fn no_hooks(v: &Value) -> bool {
    match v {
        Value::None => true,
        Value::Dict(d) => d.items.borrow().is_empty(),
        _ => false,
    }
}

/// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[,
/// metadata])` (`v2`) or torch 0.3's `_rebuild_tensor(storage, storage_offset, size, stride)`.
pub(crate) fn rebuild_tensor(args: &[Value], v2: bool) -> Result<TensorRef, String> {
    let name = if v2 { "_rebuild_tensor_v2" } else { "_rebuild_tensor" };
    let (storage, offset, size, stride) = match (v2, args) {
        (true, [s, o, size, stride, Value::Bool(_), hooks]) if no_hooks(hooks) => (s, o, size, stride),
        (true, [s, o, size, stride, Value::Bool(_), hooks, meta]) if no_hooks(hooks) => {
            // torch appends `metadata` only when it is non-empty (conjugate/negative bits…),
            // which zoo cannot honour; an empty dict is harmless.
            if !matches!(meta, Value::Dict(d) if d.items.borrow().is_empty()) {
                return Err(format!("{name} with tensor metadata ({}), which zoo does not support", meta.kind()));
            }
            (s, o, size, stride)
        }
        (false, [s, o, size, stride]) => (s, o, size, stride),
        _ => {
            let kinds: Vec<String> = args.iter().map(Value::kind).collect();
            return Err(format!("{name} with unexpected arguments ({})", kinds.join(", ")));
        }
    };
    let Value::Storage(storage) = storage else {
        return Err(format!("{name}'s storage is {}, not a persistent storage", storage.kind()));
    };
    let offset = offset
        .as_int()
        .and_then(|i| u64::try_from(i).ok())
        .ok_or_else(|| format!("{name}'s storage offset is {}, not a non-negative int", offset.kind()))?;
    let shape = usize_tuple(size, "the size")?;
    let stride = usize_tuple(stride, "the stride")?;
    if shape.len() != stride.len() {
        return Err(format!("size {shape:?} and stride {stride:?} differ in length"));
    }
    let offset = match storage.view {
        Some((start, _)) => start.checked_add(offset).ok_or("storage offset overflows")?,
        None => offset,
    };
    Ok(TensorRef { storage: storage.clone(), offset, shape, stride })
}

/// Parses a persistent id: `('storage', torch.XStorage, key, location, numel)` in the zip
/// format, with a sixth element `view_metadata` (`None` or `(view_key, offset, numel)`) in the
/// legacy format. Every reference to one key must agree on its dtype and size.
pub(crate) fn storage_pid(pid: &Value, legacy: bool, storages: &mut Storages) -> Result<Value, String> {
    let Value::Tuple(t) = pid else { return Err(format!("is {}, not a tuple", pid.kind())) };
    let want = if legacy { 6 } else { 5 };
    if t.items.len() != want {
        return Err(format!("has {} elements; torch writes {want} in this format", t.items.len()));
    }
    if t.items[0].as_str() != Some("storage") {
        return Err("is not a storage (only storages may be persistent)".into());
    }
    let Value::Global(Global::Storage(dtype)) = t.items[1] else {
        return Err(format!("names {} as the storage type", t.items[1].kind()));
    };
    let key: Rc<str> = match &t.items[2] {
        Value::Str(s) => s.clone(),
        other => return Err(format!("has {} as its key", other.kind())),
    };
    if t.items[3].as_str().is_none() {
        return Err(format!("has {} as its location", t.items[3].kind()));
    }
    let numel = t.items[4]
        .as_int()
        .and_then(|i| u64::try_from(i).ok())
        .ok_or_else(|| format!("has {} as its size", t.items[4].kind()))?;
    numel
        .checked_mul(dtype.size() as u64)
        .filter(|b| usize::try_from(*b).is_ok())
        .ok_or_else(|| format!("declares {numel} elements: too large"))?;
    let view = if legacy {
        match &t.items[5] {
            Value::None => None,
            Value::Tuple(v) => match v.items.as_slice() {
                [Value::Str(_), Value::Int(o), Value::Int(n)] => {
                    let (o, n) = (u64::try_from(*o).ok(), u64::try_from(*n).ok());
                    match (o, n) {
                        (Some(o), Some(n)) if o.checked_add(n).is_some_and(|end| end <= numel) => Some((o, n)),
                        _ => return Err(format!("has a view outside its {numel} elements")),
                    }
                }
                _ => return Err("has a malformed view (expected (key, offset, size))".into()),
            },
            other => return Err(format!("has {} as its view", other.kind())),
        }
    } else {
        None
    };
    match storages.declared.get(&key) {
        Some(&(d, n)) if (d, n) != (dtype, numel) => {
            return Err(format!("storage '{key}' is named as {n} elements of {d} and as {numel} elements of {dtype}"));
        }
        Some(_) => {}
        None => {
            if storages.declared.len() >= MAX_STORAGES {
                return Err(format!("more than {MAX_STORAGES} storages"));
            }
            storages.declared.insert(key.clone(), (dtype, numel));
            storages.order.push(key.clone());
        }
    }
    Ok(Value::Storage(Rc::new(StorageRef { key, dtype, numel, view })))
}

/// Most distinct storages in one file.
const MAX_STORAGES: usize = 1 << 20;

/// The storages the persistent ids named, in order of first mention.
#[derive(Default)]
pub(crate) struct Storages {
    pub declared: HashMap<Rc<str>, (PthDtype, u64)>,
    pub order: Vec<Rc<str>>,
}

/// A tensor of the state_dict, under its final name.
pub(crate) struct Named {
    pub name: String,
    pub tensor: Rc<TensorRef>,
}

/// Finds the state_dict in what the file holds: the dict itself, or `{"state_dict": …}` /
/// `{"model": …}` around it; strips a `module.` prefix that every key has (DataParallel).
pub(crate) fn state_dict(root: &Value) -> Result<Vec<Named>, String> {
    let all_tensors = |v: &Value| match v {
        Value::Dict(d) => d.items.borrow().iter().all(|(_, v)| v.as_tensor().is_some()),
        _ => false,
    };
    let chosen = if all_tensors(root) {
        root.clone()
    } else if let Some(inner) = ["state_dict", "model"].iter().find_map(|k| root.get(k).filter(all_tensors)) {
        inner
    } else {
        return Err(match root {
            Value::Dict(d) => {
                let items = d.items.borrow();
                let keys: Vec<String> = items.iter().take(8).map(|(k, v)| describe_entry(k, v)).collect();
                format!(
                    "it holds a dict ({}{}) that is not a state_dict (names → tensors), nor has one under \
                     'state_dict' or 'model'",
                    keys.join(", "),
                    if items.len() > 8 { ", …" } else { "" }
                )
            }
            other => format!("it holds {}, not a state_dict (a dict of names → tensors)", other.kind()),
        });
    };
    let items = chosen.dict_items().unwrap_or_default();
    let mut out = Vec::with_capacity(items.len());
    let mut names = HashSet::new();
    for (k, v) in items {
        let Value::Str(name) = &k else { return Err(format!("the state_dict has {} as a key", k.kind())) };
        let Some(t) = v.as_tensor() else { return Err(format!("`{name}` is {}, not a tensor", v.kind())) };
        if !names.insert(name.clone()) {
            return Err(format!("`{name}` appears twice"));
        }
        out.push(Named { name: name.to_string(), tensor: t });
    }
    if !out.is_empty() && out.iter().all(|n| n.name.starts_with("module.")) {
        for n in &mut out {
            n.name.drain(.."module.".len());
        }
    }
    Ok(out)
}

fn describe_entry(k: &Value, v: &Value) -> String {
    match k {
        Value::Str(s) => format!("'{}': {}", s.chars().take(40).collect::<String>(), v.kind()),
        other => format!("{}: {}", other.kind(), v.kind()),
    }
}
