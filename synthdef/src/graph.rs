//! The graph under construction: its nodes and parameters, the signals that point into it,
//! and the multichannel expansion that turns array inputs into several nodes.

use std::cell::RefCell;
use std::fmt;
use std::rc::{Rc, Weak};

use crate::error::SynthDefError;
use crate::rate::{ParamRate, Rate};

/// Where a node input comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Src {
    Const(f64),
    Node(usize, u32),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum NodeKind {
    UGen,
    Param(usize),
    LocalBuf,
    MaxLocalBufs,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub class: &'static str,
    pub rate: Rate,
    pub special: u16,
    pub inputs: Vec<Src>,
    pub outputs: u32,
    pub pure: bool,
    pub width_first: bool,
    pub kind: NodeKind,
}

#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub name: String,
    pub values: Vec<f64>,
    pub rate: ParamRate,
    pub lag: Option<f64>,
    pub node: usize,
}

/// The mutable state shared by a builder and every signal made from it.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub nodes: Vec<Node>,
    pub params: Vec<Param>,
    pub error: Option<SynthDefError>,
}

pub(crate) type GraphRef = Rc<RefCell<Graph>>;

impl Graph {
    /// Keeps the first error: later ones are usually consequences of it.
    pub fn fail(&mut self, error: SynthDefError) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }
}

thread_local! {
    // Builders alive on this thread, newest last: operators on plain numbers that supriya
    // keeps as UGens (e.g. `rand`) need a graph to live in.
    static ACTIVE: RefCell<Vec<Weak<RefCell<Graph>>>> = const { RefCell::new(Vec::new()) };
}

pub(crate) fn active_graph() -> Option<GraphRef> {
    ACTIVE.with(|a| a.borrow().iter().rev().find_map(Weak::upgrade))
}

/// Makes `graph` the newest live one of this thread (a new builder).
pub(crate) fn register(graph: &GraphRef) {
    ACTIVE.with(|a| {
        let mut a = a.borrow_mut();
        a.retain(|w| w.strong_count() > 0);
        a.push(Rc::downgrade(graph));
    });
}

/// Forgets `graph` (its builder is dropped).
pub(crate) fn unregister(graph: &GraphRef) {
    let me = Rc::downgrade(graph);
    // try_with: the thread-local may already be gone during thread teardown.
    let _ = ACTIVE.try_with(|a| a.borrow_mut().retain(|w| !w.ptr_eq(&me)));
}

/// Converts a scalar signal into a node input, checking that it belongs to `graph`.
pub(crate) fn src_of(graph: &GraphRef, signal: &Signal) -> Src {
    match signal {
        Signal::Const(v) => Src::Const(*v),
        Signal::Output(o) => {
            if !Rc::ptr_eq(&o.graph, graph) {
                graph.borrow_mut().fail(SynthDefError::ForeignSignal);
            }
            Src::Node(o.node, o.index)
        }
        // Expansion guarantees scalars here; an array would be a bug, so fail softly.
        Signal::Array(_) => {
            graph.borrow_mut().fail(SynthDefError::EmptyInput {
                ugen: "?".into(),
                input: "?".into(),
            });
            Src::Const(0.0)
        }
    }
}

/// Adds a node and returns its outputs as a signal (a scalar for one output).
pub(crate) fn add_node(graph: &GraphRef, node: Node) -> Signal {
    let rate = node.rate;
    let outputs = node.outputs;
    let index = {
        let mut g = graph.borrow_mut();
        g.nodes.push(node);
        g.nodes.len() - 1
    };
    let out = |i| {
        Signal::Output(Output {
            graph: graph.clone(),
            node: index,
            index: i,
            rate,
        })
    };
    if outputs == 1 {
        out(0)
    } else {
        Signal::Array((0..outputs).map(out).collect())
    }
}

/// Multichannel expansion of UGen inputs, as supriya does it: an array given to a plain
/// input makes one UGen per element (shorter arrays wrap around); an array input keeps a
/// flat array whole and expands only over nested arrays.
pub(crate) enum Expanded {
    One(Vec<Signal>),
    Many(Vec<Expanded>),
}

pub(crate) fn expand(values: &[Signal], array: &[bool]) -> Result<Expanded, usize> {
    let mut size = 0;
    for (i, (v, &arr)) in values.iter().zip(array).enumerate() {
        if let Signal::Array(items) = v {
            let nested = items.iter().any(|x| matches!(x, Signal::Array(_)));
            if !arr || nested {
                if items.is_empty() {
                    return Err(i);
                }
                size = size.max(items.len());
            }
        }
    }
    if size == 0 {
        return Ok(Expanded::One(values.to_vec()));
    }
    let mut out = Vec::with_capacity(size);
    for n in 0..size {
        let row: Vec<Signal> = values
            .iter()
            .zip(array)
            .map(|(v, &arr)| match v {
                Signal::Array(items)
                    if !arr || items.iter().any(|x| matches!(x, Signal::Array(_))) =>
                {
                    items[n % items.len()].clone()
                }
                other => other.clone(),
            })
            .collect();
        out.push(expand(&row, array)?);
    }
    if out.len() == 1 {
        return Ok(out.pop().expect("one element"));
    }
    Ok(Expanded::Many(out))
}

/// Applies `make` to every expanded set of inputs and assembles the results like supriya:
/// a single set gives the UGen's own signal, several give an array.
pub(crate) fn map_expanded(e: Expanded, make: &mut dyn FnMut(Vec<Signal>) -> Signal) -> Signal {
    match e {
        Expanded::One(v) => make(v),
        Expanded::Many(items) => {
            Signal::Array(items.into_iter().map(|x| map_expanded(x, make)).collect())
        }
    }
}

/// One output of a UGen in a builder's graph.
#[derive(Clone)]
pub struct Output {
    pub(crate) graph: GraphRef,
    pub(crate) node: usize,
    pub(crate) index: u32,
    pub(crate) rate: Rate,
}

impl Output {
    /// The output's rate.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Which output of its UGen this is.
    pub fn index(&self) -> u32 {
        self.index
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = self.graph.borrow();
        let class = g.nodes.get(self.node).map(|n| n.class).unwrap_or("?");
        write!(f, "{class}#{}.{}[{}]", self.node, self.rate, self.index)
    }
}

impl PartialEq for Output {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.graph, &other.graph)
            && self.node == other.node
            && self.index == other.index
    }
}

/// A value usable as a UGen input: a constant, one UGen output, or an array of signals
/// (multichannel: operators and UGens expand over arrays).
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// A number, stored in the SynthDef's constant table.
    Const(f64),
    /// A UGen output.
    Output(Output),
    /// Several signals, e.g. the outputs of `Pan2` or an expanded `SinOsc`.
    Array(Vec<Signal>),
}

impl Signal {
    /// The fastest rate in this signal (`ir` for constants).
    pub fn rate(&self) -> Rate {
        match self {
            Signal::Const(_) => Rate::Scalar,
            Signal::Output(o) => o.rate,
            Signal::Array(items) => items.iter().map(Signal::rate).max().unwrap_or(Rate::Scalar),
        }
    }

    /// The number of channels (1 unless an array).
    pub fn len(&self) -> usize {
        match self {
            Signal::Array(items) => items.len(),
            _ => 1,
        }
    }

    /// Whether this is an empty array (the "output" of UGens like `Out`).
    pub fn is_empty(&self) -> bool {
        matches!(self, Signal::Array(items) if items.is_empty())
    }

    /// Channel `i` of an array (wrapping around), or the signal itself when not an array.
    pub fn at(&self, i: usize) -> Signal {
        match self {
            Signal::Array(items) if !items.is_empty() => items[i % items.len()].clone(),
            other => other.clone(),
        }
    }

    /// The constant value, if this is a constant.
    pub fn as_const(&self) -> Option<f64> {
        match self {
            Signal::Const(v) => Some(*v),
            _ => None,
        }
    }

    /// All scalar signals in order, with nested arrays flattened.
    pub fn flatten(&self) -> Vec<Signal> {
        match self {
            Signal::Array(items) => items.iter().flat_map(Signal::flatten).collect(),
            other => vec![other.clone()],
        }
    }

    pub(crate) fn graph(&self) -> Option<GraphRef> {
        match self {
            Signal::Const(_) => None,
            Signal::Output(o) => Some(o.graph.clone()),
            Signal::Array(items) => items.iter().find_map(Signal::graph),
        }
    }

    /// Whether this is the number `v` (supriya compares operands with numbers this way).
    pub(crate) fn is(&self, v: f64) -> bool {
        matches!(self, Signal::Const(c) if *c == v)
    }
}

impl From<f64> for Signal {
    fn from(v: f64) -> Self {
        Signal::Const(v)
    }
}

impl From<f32> for Signal {
    fn from(v: f32) -> Self {
        Signal::Const(v as f64)
    }
}

impl From<i32> for Signal {
    fn from(v: i32) -> Self {
        Signal::Const(v as f64)
    }
}

impl From<&Signal> for Signal {
    fn from(v: &Signal) -> Self {
        v.clone()
    }
}

impl<T: Into<Signal>> From<Vec<T>> for Signal {
    fn from(v: Vec<T>) -> Self {
        Signal::Array(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Signal>, const N: usize> From<[T; N]> for Signal {
    fn from(v: [T; N]) -> Self {
        Signal::Array(v.into_iter().map(Into::into).collect())
    }
}
