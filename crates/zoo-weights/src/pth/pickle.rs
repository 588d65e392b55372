//! A pickle *decoder* for the subset of protocols 2–5 that `torch.save` writes for a
//! `state_dict` — never an interpreter: nothing is imported or called. Globals are resolved
//! against a fixed allowlist ([`Global`]) and REDUCE only "calls" the few allowlisted
//! constructors, which this module implements itself as data transformations.
//!
//! Opcodes accepted (everything else, e.g. INST, OBJ, NEWOBJ, EXT1/2/4, PERSID, POP, DUP, the
//! text opcodes of protocol 0, bytes and sets, is rejected with its name):
//! PROTO, FRAME, STOP, MARK, EMPTY_DICT, EMPTY_LIST, EMPTY_TUPLE, TUPLE, TUPLE1/2/3, DICT,
//! SETITEM(S), APPEND(S), BININT, BININT1, BININT2, LONG1, BINFLOAT, NONE, NEWTRUE, NEWFALSE,
//! BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINSTRING, SHORT_BINSTRING (Python 2 `str`),
//! BINPUT, LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET, GLOBAL, STACK_GLOBAL, REDUCE, BUILD
//! (only `_metadata` on an `OrderedDict`, ignored, or a legacy tensor's `set_` state),
//! NEWOBJ (only `torch.FloatTensor()` and its siblings, as torch < 0.2 pickled tensors:
//! `NEWOBJ` then `BUILD (storage, offset, size, stride)`) and BINPERSID (handed to the caller).
//!
//! Malformed input cannot exhaust memory or the call stack: the stack, MARK nesting, memo,
//! number of opcodes and nesting depth of values are bounded, every declared length is checked
//! against the bytes that remain, and containers form trees (a list or dict can no longer be
//! changed once it sits inside another value, so no cycles and no unbounded depth).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use super::torch::{self, PthDtype, StorageRef, TensorRef};

/// Deepest nesting of tuples, lists and dicts (a state_dict needs about 4).
pub(crate) const MAX_DEPTH: u32 = 100;
/// Values on the stack at once (torch batches SETITEMS by 1000 pairs).
const MAX_STACK: usize = 1 << 20;
/// Open MARKs at once (a state_dict needs about 3).
const MAX_MARKS: usize = 256;
/// Memo entries.
const MAX_MEMO: usize = 1 << 20;
/// Opcodes in one pickle: bounds the values it can create (a state_dict needs ~40 a tensor).
const MAX_OPS: usize = 1 << 22;
/// Length of a GLOBAL's module or name line.
const MAX_LINE: usize = 256;

#[derive(Debug, PartialEq)]
pub(crate) enum PickleError {
    /// Not a well-formed pickle (or a limit was hit).
    Malformed { offset: usize, reason: String },
    /// Well-formed, but asks for something a state_dict never needs.
    Forbidden { offset: usize, what: String },
}

/// The globals a state_dict may name; anything else is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Global {
    /// `collections.OrderedDict` (the state_dict itself, `_metadata`, empty backward hooks).
    OrderedDict,
    /// `torch._utils._rebuild_tensor_v2` (torch ≥ 0.4).
    RebuildTensorV2,
    /// `torch._utils._rebuild_tensor` (torch 0.3).
    RebuildTensor,
    /// `torch._utils._rebuild_parameter` (an `nn.Parameter` saved directly).
    RebuildParameter,
    /// `torch.XStorage` / `torch.cuda.XStorage`: only a dtype tag inside a persistent id.
    Storage(PthDtype),
    /// `torch.XTensor` / `torch.cuda.XTensor`: only for NEWOBJ with no arguments, then BUILD.
    TensorClass(PthDtype),
}

impl Global {
    /// The dotted name, as Python spells it.
    pub fn name(self) -> String {
        match self {
            Global::OrderedDict => "collections.OrderedDict".into(),
            Global::RebuildTensorV2 => "torch._utils._rebuild_tensor_v2".into(),
            Global::RebuildTensor => "torch._utils._rebuild_tensor".into(),
            Global::RebuildParameter => "torch._utils._rebuild_parameter".into(),
            Global::Storage(d) => format!("torch.{}Storage", d.storage_name()),
            Global::TensorClass(d) => format!("torch.{}Tensor", d.storage_name()),
        }
    }

    fn resolve(module: &str, name: &str) -> Option<Global> {
        match (module, name) {
            ("collections", "OrderedDict") => Some(Global::OrderedDict),
            ("torch._utils", "_rebuild_tensor_v2") => Some(Global::RebuildTensorV2),
            ("torch._utils", "_rebuild_tensor") => Some(Global::RebuildTensor),
            ("torch._utils", "_rebuild_parameter") => Some(Global::RebuildParameter),
            ("torch" | "torch.cuda", _) => match name.strip_suffix("Tensor") {
                Some(dtype) => PthDtype::from_storage_name(&format!("{dtype}Storage")).map(Global::TensorClass),
                None => PthDtype::from_storage_name(name).map(Global::Storage),
            },
            _ => None,
        }
    }
}

/// The entries of a dict, in insertion order.
pub(crate) type DictItems = Vec<(Value, Value)>;

/// A decoded pickle value. Strings, tuples and containers are reference-counted so that memo
/// look-ups never copy (a memo reference repeated a million times costs a million pointers).
#[derive(Clone, Debug)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i128),
    /// Its value is never needed (kept for `Debug`).
    Float(#[allow(dead_code)] f64),
    Str(Rc<str>),
    Tuple(Rc<Tuple>),
    List(Rc<Container<Vec<Value>>>),
    /// A `dict` or an `OrderedDict` (insertion order kept either way).
    Dict(Rc<Container<DictItems>>),
    Global(Global),
    Storage(Rc<StorageRef>),
    Tensor(Rc<TensorRef>),
    /// `torch.XTensor()` before (and, through the memo, after) its BUILD.
    NewTensor(Rc<NewTensor>),
}

#[derive(Debug)]
pub(crate) struct NewTensor {
    dtype: PthDtype,
    built: RefCell<Option<Rc<TensorRef>>>,
}

#[derive(Debug)]
pub(crate) struct Tuple {
    pub items: Vec<Value>,
    depth: u32,
}

#[derive(Debug)]
pub(crate) struct Container<T> {
    pub items: RefCell<T>,
    depth: Cell<u32>,
    /// Set once the container is inside another value: from then on it cannot change.
    frozen: Cell<bool>,
    /// Made by `OrderedDict(...)` (the only kind BUILD may target).
    ordered: bool,
}

impl<T: Default> Container<T> {
    fn new(ordered: bool) -> Rc<Self> {
        Rc::new(Container { items: RefCell::new(T::default()), depth: Cell::new(1), frozen: Cell::new(false), ordered })
    }
}

impl Value {
    /// What the value is, for error messages.
    pub fn kind(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(_) => "a bool".into(),
            Value::Int(_) => "an int".into(),
            Value::Float(_) => "a float".into(),
            Value::Str(_) => "a str".into(),
            Value::Tuple(t) => format!("a tuple of {}", t.items.len()),
            Value::List(_) => "a list".into(),
            Value::Dict(_) => "a dict".into(),
            Value::Global(g) => format!("the global {}", g.name()),
            Value::Storage(_) => "a storage".into(),
            Value::Tensor(_) => "a tensor".into(),
            Value::NewTensor(t) if t.built.borrow().is_some() => "a tensor".into(),
            Value::NewTensor(_) => "a tensor without its data (NEWOBJ without BUILD)".into(),
        }
    }

    fn depth(&self) -> u32 {
        match self {
            Value::Tuple(t) => t.depth,
            Value::List(c) => c.depth.get(),
            Value::Dict(c) => c.depth.get(),
            _ => 0,
        }
    }

    /// Marks a list or dict as placed inside another value; returns the value's depth.
    fn adopt(&self) -> u32 {
        match self {
            Value::List(c) => c.frozen.set(true),
            Value::Dict(c) => c.frozen.set(true),
            _ => {}
        }
        self.depth()
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A tensor, however it was pickled.
    pub fn as_tensor(&self) -> Option<Rc<TensorRef>> {
        match self {
            Value::Tensor(t) => Some(t.clone()),
            Value::NewTensor(t) => t.built.borrow().clone(),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The entries of a dict or OrderedDict, in order.
    pub fn dict_items(&self) -> Option<DictItems> {
        match self {
            Value::Dict(d) => Some(d.items.borrow().clone()),
            _ => None,
        }
    }

    /// The value of `key` in a dict.
    pub fn get(&self, key: &str) -> Option<Value> {
        match self {
            // The last one wins, as in Python.
            Value::Dict(d) => {
                d.items.borrow().iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v.clone())
            }
            _ => None,
        }
    }
}

/// Builds a tuple, checking the nesting depth.
fn make_tuple(items: Vec<Value>) -> Result<Value, String> {
    let depth = 1 + items.iter().map(Value::adopt).max().unwrap_or(0);
    if depth > MAX_DEPTH {
        return Err(format!("values nested more than {MAX_DEPTH} deep"));
    }
    Ok(Value::Tuple(Rc::new(Tuple { items, depth })))
}

/// Adds children to a container that is not yet inside another value.
fn grow<T>(c: &Container<T>, children: &[&Value], add: impl FnOnce(&mut T)) -> Result<(), String> {
    if c.frozen.get() {
        return Err("a list or dict is changed after being placed inside another value \
                    (zoo reads tree-shaped pickles only)"
            .into());
    }
    let depth = 1 + children.iter().map(|v| v.adopt()).max().unwrap_or(0);
    if c.frozen.get() {
        return Err("a list or dict is placed inside itself".into());
    }
    if depth > MAX_DEPTH {
        return Err(format!("values nested more than {MAX_DEPTH} deep"));
    }
    c.depth.set(c.depth.get().max(depth));
    add(&mut c.items.borrow_mut());
    Ok(())
}

/// Turns a persistent id (the tuple BINPERSID pops) into the value it stands for.
pub(crate) type PersistentLoad<'h> = &'h mut dyn FnMut(&Value) -> Result<Value, String>;

/// Decodes one pickle starting at `data[start]`; returns its value and the offset just past
/// its STOP. Offsets in errors are into `data`. `persistent` resolves BINPERSID; without it,
/// BINPERSID is malformed.
pub(crate) fn load(
    data: &[u8],
    start: usize,
    persistent: Option<PersistentLoad>,
) -> Result<(Value, usize), PickleError> {
    let mut m = Machine { data, pos: start, at: start, stack: Vec::new(), marks: Vec::new(), memo: HashMap::new() };
    let mut persistent = persistent;
    let mut ops = 0usize;
    loop {
        ops += 1;
        if ops > MAX_OPS {
            return Err(m.malformed(format!("more than {MAX_OPS} opcodes (not a state_dict)")));
        }
        m.at = m.pos;
        let op = m.byte()?;
        match op {
            PROTO => {
                let v = m.byte()?;
                if !(2..=5).contains(&v) {
                    return Err(m.malformed(format!("pickle protocol {v}; zoo reads protocols 2 to 5")));
                }
            }
            FRAME => {
                let n = m.u64()?;
                if n > (m.data.len() - m.pos) as u64 {
                    return Err(m.malformed(format!("a frame of {n} bytes runs past the end of the data")));
                }
            }
            STOP => {
                if !m.marks.is_empty() || m.stack.len() != 1 {
                    return Err(m.malformed(format!(
                        "STOP with {} value(s) on the stack and {} open MARK(s); expected exactly one value",
                        m.stack.len(),
                        m.marks.len()
                    )));
                }
                let v = m.pop()?;
                return Ok((v, m.pos));
            }
            MARK => {
                if m.marks.len() >= MAX_MARKS {
                    return Err(m.malformed(format!("more than {MAX_MARKS} nested MARKs")));
                }
                m.marks.push(m.stack.len());
            }
            EMPTY_DICT => m.push(Value::Dict(Container::new(false)))?,
            EMPTY_LIST => m.push(Value::List(Container::new(false)))?,
            EMPTY_TUPLE => m.push(Value::Tuple(Rc::new(Tuple { items: Vec::new(), depth: 1 })))?,
            TUPLE => {
                let items = m.pop_mark()?;
                let t = make_tuple(items).map_err(|r| m.malformed(r))?;
                m.push(t)?;
            }
            TUPLE1 | TUPLE2 | TUPLE3 => {
                let n = usize::from(op - TUPLE1 + 1);
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(m.pop()?);
                }
                items.reverse();
                let t = make_tuple(items).map_err(|r| m.malformed(r))?;
                m.push(t)?;
            }
            DICT => {
                let items = m.pop_mark()?;
                let d = Container::new(false);
                m.set_items(&d, items)?;
                m.push(Value::Dict(d))?;
            }
            SETITEM => {
                let v = m.pop()?;
                let k = m.pop()?;
                let d = m.top_dict()?;
                m.set_items(&d, vec![k, v])?;
            }
            SETITEMS => {
                let items = m.pop_mark()?;
                let d = m.top_dict()?;
                m.set_items(&d, items)?;
            }
            APPEND => {
                let v = m.pop()?;
                let l = m.top_list()?;
                grow(&l, &[&v], |items| items.push(v.clone())).map_err(|r| m.malformed(r))?;
            }
            APPENDS => {
                let vs = m.pop_mark()?;
                let l = m.top_list()?;
                let refs: Vec<&Value> = vs.iter().collect();
                grow(&l, &refs, |items| items.extend(vs.iter().cloned())).map_err(|r| m.malformed(r))?;
            }
            BININT => {
                let b = m.take(4)?;
                m.push(Value::Int(i32::from_le_bytes([b[0], b[1], b[2], b[3]]).into()))?;
            }
            BININT1 => {
                let b = m.byte()?;
                m.push(Value::Int(b.into()))?;
            }
            BININT2 => {
                let b = m.take(2)?;
                m.push(Value::Int(u16::from_le_bytes([b[0], b[1]]).into()))?;
            }
            LONG1 => {
                let n = usize::from(m.byte()?);
                if n > 16 {
                    return Err(m.malformed(format!("an integer of {n} bytes (zoo reads at most 16)")));
                }
                let b = m.take(n)?;
                let mut v: i128 = 0;
                for (i, byte) in b.iter().enumerate() {
                    v |= i128::from(*byte) << (8 * i);
                }
                if n > 0 && n < 16 && b[n - 1] & 0x80 != 0 {
                    v -= 1i128 << (8 * n);
                }
                m.push(Value::Int(v))?;
            }
            BINFLOAT => {
                let b = m.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                m.push(Value::Float(f64::from_be_bytes(a)))?;
            }
            NONE => m.push(Value::None)?,
            NEWTRUE => m.push(Value::Bool(true))?,
            NEWFALSE => m.push(Value::Bool(false))?,
            BINUNICODE | BINSTRING => {
                let b = m.take(4)?;
                let n = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                if op == BINSTRING && n > i32::MAX as u32 {
                    return Err(m.malformed("BINSTRING with a negative length".into()));
                }
                m.string(n as u64)?;
            }
            SHORT_BINUNICODE | SHORT_BINSTRING => {
                let n = m.byte()?;
                m.string(n.into())?;
            }
            BINUNICODE8 => {
                let n = m.u64()?;
                m.string(n)?;
            }
            BINPUT => {
                let i = m.byte()?;
                m.put(i.into())?;
            }
            LONG_BINPUT => {
                let b = m.take(4)?;
                m.put(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))?;
            }
            MEMOIZE => {
                let i = u32::try_from(m.memo.len()).map_err(|_| m.malformed("memo overflow".into()))?;
                m.put(i)?;
            }
            BINGET => {
                let i = m.byte()?;
                m.get(i.into())?;
            }
            LONG_BINGET => {
                let b = m.take(4)?;
                m.get(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))?;
            }
            GLOBAL => {
                let module = m.line()?;
                let name = m.line()?;
                m.global(&module, &name)?;
            }
            STACK_GLOBAL => {
                let name = m.pop()?;
                let module = m.pop()?;
                let (Some(module), Some(name)) = (module.as_str(), name.as_str()) else {
                    return Err(m.malformed("STACK_GLOBAL needs two strings".into()));
                };
                m.global(module, name)?;
            }
            NEWOBJ => {
                let args = m.pop()?;
                let class = m.pop()?;
                let v = m.newobj(class, args)?;
                m.push(v)?;
            }
            REDUCE => {
                let args = m.pop()?;
                let callable = m.pop()?;
                let v = m.reduce(callable, args)?;
                m.push(v)?;
            }
            BUILD => {
                let state = m.pop()?;
                m.build(state)?;
            }
            BINPERSID => {
                let pid = m.pop()?;
                let Some(load) = persistent.as_mut() else {
                    return Err(m.malformed("a persistent id (BINPERSID) where none may be".into()));
                };
                let v = load(&pid).map_err(|r| m.malformed(format!("persistent id {}: {r}", describe_pid(&pid))))?;
                m.push(v)?;
            }
            other => {
                let what = match opcode_name(other) {
                    Some(name) => format!("the opcode {name} (0x{other:02x})"),
                    None => return Err(m.malformed(format!("unknown opcode 0x{other:02x}"))),
                };
                return Err(PickleError::Forbidden { offset: m.at, what });
            }
        }
    }
}

fn describe_pid(pid: &Value) -> String {
    match pid {
        Value::Tuple(t) => {
            let parts: Vec<String> = t
                .items
                .iter()
                .map(|v| match v {
                    Value::Str(s) => format!("'{}'", s.chars().take(40).collect::<String>()),
                    Value::Int(i) => i.to_string(),
                    Value::Global(g) => g.name(),
                    other => other.kind(),
                })
                .collect();
            format!("({})", parts.join(", "))
        }
        other => other.kind(),
    }
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of the opcode being decoded.
    at: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
}

impl<'a> Machine<'a> {
    fn malformed(&self, reason: String) -> PickleError {
        PickleError::Malformed { offset: self.at, reason }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], PickleError> {
        let left = self.data.len() - self.pos;
        if n > left {
            return Err(self.malformed(format!("needs {n} more bytes, {left} left: truncated")));
        }
        let data: &'a [u8] = self.data;
        let s = &data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, PickleError> {
        Ok(self.take(1)?[0])
    }

    fn u64(&mut self) -> Result<u64, PickleError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn line(&mut self) -> Result<String, PickleError> {
        let rest = &self.data[self.pos..];
        let Some(n) = rest.iter().take(MAX_LINE + 1).position(|&b| b == b'\n') else {
            return Err(self.malformed(format!("GLOBAL without a newline in the next {MAX_LINE} bytes")));
        };
        let s = std::str::from_utf8(&rest[..n]).map_err(|_| self.malformed("GLOBAL name is not UTF-8".into()))?;
        let s = s.to_string();
        self.pos += n + 1;
        Ok(s)
    }

    fn string(&mut self, n: u64) -> Result<(), PickleError> {
        let left = (self.data.len() - self.pos) as u64;
        if n > left {
            return Err(self.malformed(format!("a string of {n} bytes, {left} left: truncated or corrupt")));
        }
        let b = self.take(n as usize)?;
        let s = std::str::from_utf8(b).map_err(|_| self.malformed("a string that is not UTF-8".into()))?;
        let v = Value::Str(Rc::from(s));
        self.push(v)
    }

    fn push(&mut self, v: Value) -> Result<(), PickleError> {
        if self.stack.len() >= MAX_STACK {
            return Err(self.malformed(format!("more than {MAX_STACK} values on the stack")));
        }
        self.stack.push(v);
        Ok(())
    }

    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Result<Value, PickleError> {
        if self.stack.len() <= self.fence() {
            return Err(self.malformed("stack underflow".into()));
        }
        self.stack.pop().ok_or_else(|| self.malformed("stack underflow".into()))
    }

    fn top(&self) -> Result<&Value, PickleError> {
        if self.stack.len() <= self.fence() {
            return Err(self.malformed("stack underflow".into()));
        }
        self.stack.last().ok_or_else(|| self.malformed("stack underflow".into()))
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>, PickleError> {
        let Some(mark) = self.marks.pop() else {
            return Err(self.malformed("no MARK to pop to".into()));
        };
        Ok(self.stack.split_off(mark))
    }

    fn top_dict(&self) -> Result<Rc<Container<DictItems>>, PickleError> {
        match self.top()? {
            Value::Dict(d) => Ok(d.clone()),
            other => Err(self.malformed(format!("setting items on {}, not a dict", other.kind()))),
        }
    }

    fn top_list(&self) -> Result<Rc<Container<Vec<Value>>>, PickleError> {
        match self.top()? {
            Value::List(l) => Ok(l.clone()),
            other => Err(self.malformed(format!("appending to {}, not a list", other.kind()))),
        }
    }

    fn set_items(&self, d: &Container<DictItems>, items: Vec<Value>) -> Result<(), PickleError> {
        if !items.len().is_multiple_of(2) {
            return Err(self.malformed("an odd number of items for a dict".into()));
        }
        let refs: Vec<&Value> = items.iter().collect();
        grow(d, &refs, |entries| {
            let mut it = items.iter().cloned();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                entries.push((k, v));
            }
        })
        .map_err(|r| self.malformed(r))
    }

    fn put(&mut self, i: u32) -> Result<(), PickleError> {
        let v = self.top()?.clone();
        if self.memo.len() >= MAX_MEMO && !self.memo.contains_key(&i) {
            return Err(self.malformed(format!("more than {MAX_MEMO} memo entries")));
        }
        self.memo.insert(i, v);
        Ok(())
    }

    fn get(&mut self, i: u32) -> Result<(), PickleError> {
        let v = self.memo.get(&i).cloned().ok_or_else(|| self.malformed(format!("memo entry {i} was never set")))?;
        self.push(v)
    }

    fn global(&mut self, module: &str, name: &str) -> Result<(), PickleError> {
        let Some(g) = Global::resolve(module, name) else {
            return Err(PickleError::Forbidden { offset: self.at, what: format!("the global {module}.{name}") });
        };
        self.push(Value::Global(g))
    }

    fn reduce(&self, callable: Value, args: Value) -> Result<Value, PickleError> {
        let Value::Global(g) = callable else {
            return Err(PickleError::Forbidden { offset: self.at, what: format!("REDUCE on {}", callable.kind()) });
        };
        let Value::Tuple(args) = args else {
            return Err(self.malformed(format!("REDUCE with {} as arguments, not a tuple", args.kind())));
        };
        let args = &args.items;
        match g {
            Global::OrderedDict => self.ordered_dict(args),
            Global::RebuildTensorV2 => {
                torch::rebuild_tensor(args, true).map(|t| Value::Tensor(Rc::new(t))).map_err(|r| self.malformed(r))
            }
            Global::RebuildTensor => {
                torch::rebuild_tensor(args, false).map(|t| Value::Tensor(Rc::new(t))).map_err(|r| self.malformed(r))
            }
            Global::RebuildParameter => match args.as_slice() {
                [t, Value::Bool(_), hooks] if torch::no_hooks(hooks) && t.as_tensor().is_some() => {
                    Ok(t.as_tensor().map(Value::Tensor).unwrap_or(Value::None))
                }
                _ => Err(self.malformed("_rebuild_parameter expects (tensor, requires_grad, no hooks)".into())),
            },
            Global::Storage(_) | Global::TensorClass(_) => {
                Err(PickleError::Forbidden { offset: self.at, what: format!("REDUCE on {}", g.name()) })
            }
        }
    }

    /// NEWOBJ: only `torch.XTensor.__new__(torch.XTensor)`, an empty tensor a BUILD fills.
    fn newobj(&self, class: Value, args: Value) -> Result<Value, PickleError> {
        match (&class, &args) {
            (Value::Global(Global::TensorClass(dtype)), Value::Tuple(a)) if a.items.is_empty() => {
                Ok(Value::NewTensor(Rc::new(NewTensor { dtype: *dtype, built: RefCell::new(None) })))
            }
            _ => Err(PickleError::Forbidden {
                offset: self.at,
                what: format!("NEWOBJ on {} with {}", class.kind(), args.kind()),
            }),
        }
    }

    /// `OrderedDict()` or, as Python 2 pickled it, `OrderedDict([[key, value], ...])`.
    fn ordered_dict(&self, args: &[Value]) -> Result<Value, PickleError> {
        let d = Container::new(true);
        match args {
            [] => {}
            [Value::List(pairs)] => {
                let mut items = Vec::new();
                for pair in pairs.items.borrow().iter() {
                    let kv = match pair {
                        Value::List(l) => l.items.borrow().clone(),
                        Value::Tuple(t) => t.items.clone(),
                        other => return Err(self.malformed(format!("OrderedDict item is {}", other.kind()))),
                    };
                    if kv.len() != 2 {
                        return Err(self.malformed(format!("OrderedDict item of {} elements", kv.len())));
                    }
                    items.extend(kv);
                }
                self.set_items(&d, items)?;
            }
            _ => return Err(self.malformed("OrderedDict expects () or ([[key, value], ...],)".into())),
        }
        Ok(Value::Dict(d))
    }

    /// BUILD: `OrderedDict.__setstate__({'_metadata': ...})`, which is ignored, or a legacy
    /// tensor's `set_(storage, storage_offset, size, stride)`.
    fn build(&mut self, state: Value) -> Result<(), PickleError> {
        if let Value::NewTensor(t) = self.top()? {
            let t = t.clone();
            let Value::Tuple(args) = &state else {
                return Err(self.malformed(format!("a tensor's state is {}, not a tuple", state.kind())));
            };
            let built = torch::rebuild_tensor(&args.items, false).map_err(|r| self.malformed(r))?;
            if built.storage.dtype != t.dtype {
                return Err(self.malformed(format!(
                    "a torch.{}Tensor on a {}Storage",
                    t.dtype.storage_name(),
                    built.storage.dtype.storage_name()
                )));
            }
            if t.built.borrow().is_some() {
                return Err(self.malformed("a tensor is built twice".into()));
            }
            let built = Rc::new(built);
            *t.built.borrow_mut() = Some(built.clone());
            if let Some(top) = self.stack.last_mut() {
                *top = Value::Tensor(built);
            }
            return Ok(());
        }
        let ok_target = matches!(self.top()?, Value::Dict(d) if d.ordered);
        let ok_state = match &state {
            Value::Dict(s) => s.items.borrow().iter().all(|(k, _)| k.as_str() == Some("_metadata")),
            _ => false,
        };
        if ok_target && ok_state {
            Ok(())
        } else {
            Err(PickleError::Forbidden {
                offset: self.at,
                what: format!(
                    "BUILD on {} with {} (only an OrderedDict's _metadata may be set)",
                    self.top()?.kind(),
                    state.kind()
                ),
            })
        }
    }
}

const MARK: u8 = b'(';
const STOP: u8 = b'.';
const BININT: u8 = b'J';
const BININT1: u8 = b'K';
const BININT2: u8 = b'M';
const NONE: u8 = b'N';
const BINPERSID: u8 = b'Q';
const REDUCE: u8 = b'R';
const BINSTRING: u8 = b'T';
const SHORT_BINSTRING: u8 = b'U';
const BINUNICODE: u8 = b'X';
const APPEND: u8 = b'a';
const BUILD: u8 = b'b';
const GLOBAL: u8 = b'c';
const DICT: u8 = b'd';
const EMPTY_DICT: u8 = b'}';
const APPENDS: u8 = b'e';
const BINGET: u8 = b'h';
const LONG_BINGET: u8 = b'j';
const EMPTY_LIST: u8 = b']';
const BINPUT: u8 = b'q';
const LONG_BINPUT: u8 = b'r';
const SETITEM: u8 = b's';
const TUPLE: u8 = b't';
const EMPTY_TUPLE: u8 = b')';
const SETITEMS: u8 = b'u';
const BINFLOAT: u8 = b'G';
const PROTO: u8 = 0x80;
const TUPLE1: u8 = 0x85;
const TUPLE2: u8 = 0x86;
const TUPLE3: u8 = 0x87;
const NEWTRUE: u8 = 0x88;
const NEWFALSE: u8 = 0x89;
const LONG1: u8 = 0x8a;
const SHORT_BINUNICODE: u8 = 0x8c;
const BINUNICODE8: u8 = 0x8d;
const STACK_GLOBAL: u8 = 0x93;
const MEMOIZE: u8 = 0x94;
const FRAME: u8 = 0x95;
const NEWOBJ: u8 = 0x81;

/// Names of the pickle opcodes zoo refuses (Python's `pickletools` names).
fn opcode_name(op: u8) -> Option<&'static str> {
    Some(match op {
        b'0' => "POP",
        b'1' => "POP_MARK",
        b'2' => "DUP",
        b'F' => "FLOAT",
        b'I' => "INT",
        b'L' => "LONG",
        b'P' => "PERSID",
        b'S' => "STRING",
        b'V' => "UNICODE",
        b'g' => "GET",
        b'p' => "PUT",
        b'l' => "LIST",
        b'i' => "INST",
        b'o' => "OBJ",
        b'B' => "BINBYTES",
        b'C' => "SHORT_BINBYTES",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x8b => "LONG4",
        0x8e => "BINBYTES8",
        0x8f => "EMPTY_SET",
        0x90 => "ADDITEMS",
        0x91 => "FROZENSET",
        0x92 => "NEWOBJ_EX",
        0x96 => "BYTEARRAY8",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        _ => return None,
    })
}
