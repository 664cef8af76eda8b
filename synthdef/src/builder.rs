//! The graph builder: controls, UGens and operators are recorded as nodes in creation order;
//! [`SynthDefBuilder::build`] then groups controls by rate, adds implicit UGens, sorts the
//! graph the way supriya does, drops unused pure UGens and produces a [`SynthDef`].

use std::cell::RefCell;
use std::rc::Rc;

use crate::catalogue::{self, flags, InputDefault, UGenInfo};
use crate::def::{Input, ParamName, SynthDef, UGenSpec};
use crate::error::SynthDefError;
use crate::graph::{self, add_node, src_of, Graph, GraphRef, Node, NodeKind, Param, Signal, Src};
use crate::rate::{ParamRate, Rate};
use crate::special;

/// Limits a built graph must respect. The defaults are the hard limits of SCgf version 2;
/// tighter limits reject graphs early (for instance to keep a `/d_recv` within a datagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most constants in one SynthDef.
    pub max_constants: usize,
    /// Most control values. Independently of this limit, a group of controls of one rate
    /// must start at an index below 32768, because scsynth reads a control UGen's first
    /// index as a signed 16-bit number.
    pub max_controls: usize,
    /// Most UGens in one SynthDef.
    pub max_ugens: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_constants: i32::MAX as usize,
            max_controls: i32::MAX as usize,
            max_ugens: i32::MAX as usize,
        }
    }
}

/// Builds one SynthDef: make controls with [`kr`](Self::kr) and friends, UGens with the
/// typed constructors in [`ugens`](crate::ugens) or by name with [`ugen`](Self::ugen),
/// combine signals with operators, then call [`build`](Self::build).
///
/// Mistakes (unknown inputs, wrong rates, signals from another builder, ...) do not
/// interrupt the signal expressions; the first one is returned by `build`.
///
/// ```
/// use scserver_synthdef::{ugens::{LFNoise1, Out, Pan2, Saw, SinOsc}, SynthDefBuilder};
///
/// let b = SynthDefBuilder::new("drift");
/// let (freq, amp, pan) = (b.kr("freq", 110.0), b.kr("amp", 0.1), b.kr("pan", 0.0));
/// // Two slightly detuned saws (an array input expands into one UGen each), mixed.
/// let wobble = LFNoise1::kr(&b).frequency(0.3).finish() * 0.01 + 1.0;
/// let saws = Saw::ar(&b).frequency(vec![freq.clone() * wobble, freq * 1.005]).finish();
/// let mono = b.mix(saws) * amp;
/// Out::ar(&b).source(Pan2::ar(&b).source(mono).position(pan).finish()).finish();
/// let def = b.build().expect("a valid graph");
/// assert!(def.to_string().contains("Pan2"));
/// let bytes = def.compile(); // for /d_recv, or a .scsyndef file
/// assert_eq!(&bytes[..4], b"SCgf");
///
/// // A mistake shows at build time, not in the middle of an expression.
/// let b = SynthDefBuilder::new("broken");
/// let control_rate = SinOsc::kr(&b).finish();
/// Out::ar(&b).source(control_rate).finish();
/// assert!(b.build().is_err());
/// ```
pub struct SynthDefBuilder {
    name: String,
    graph: GraphRef,
    limits: Limits,
}

impl std::fmt::Debug for SynthDefBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynthDefBuilder")
            .field("name", &self.name)
            .field("nodes", &self.graph.borrow().nodes.len())
            .finish()
    }
}

impl Drop for SynthDefBuilder {
    fn drop(&mut self) {
        graph::unregister(&self.graph);
    }
}

impl SynthDefBuilder {
    /// Starts an empty graph for a SynthDef called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        let graph: GraphRef = Rc::new(RefCell::new(Graph::default()));
        graph::register(&graph);
        SynthDefBuilder {
            name: name.into(),
            graph,
            limits: Limits::default(),
        }
    }

    /// Replaces the limits checked by [`build`](Self::build).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub(crate) fn graph_ref(&self) -> GraphRef {
        self.graph.clone()
    }

    /// The SynthDef's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds a named control. `values` has one element for a scalar control, several for an
    /// array control (which then yields an array signal).
    pub fn control(
        &self,
        name: &str,
        values: impl Into<ControlValues>,
        rate: ParamRate,
        lag: Option<f64>,
    ) -> Signal {
        let values = values.into().0;
        let mut g = self.graph.borrow_mut();
        if g.params.iter().any(|p| p.name == name) {
            g.fail(SynthDefError::DuplicateControl(name.to_string()));
        }
        if values.is_empty() {
            g.fail(SynthDefError::EmptyControl(name.to_string()));
        }
        let param = g.params.len();
        let node = g.nodes.len();
        g.params.push(Param {
            name: name.to_string(),
            values: values.clone(),
            rate,
            lag,
            node,
        });
        drop(g);
        add_node(
            &self.graph,
            Node {
                class: "Parameter",
                rate: rate.calculation_rate(),
                special: 0,
                inputs: Vec::new(),
                outputs: values.len().max(1) as u32,
                pure: false,
                width_first: false,
                kind: NodeKind::Param(param),
            },
        )
    }

    /// A control-rate control (`kr`).
    pub fn kr(&self, name: &str, default: impl Into<ControlValues>) -> Signal {
        self.control(name, default, ParamRate::Control, None)
    }

    /// A control-rate control smoothed by a lag of `lag` seconds (becomes a `LagControl`).
    pub fn kr_lag(&self, name: &str, default: impl Into<ControlValues>, lag: f64) -> Signal {
        self.control(name, default, ParamRate::Control, Some(lag))
    }

    /// An audio-rate control (`ar`).
    pub fn ar(&self, name: &str, default: impl Into<ControlValues>) -> Signal {
        self.control(name, default, ParamRate::Audio, None)
    }

    /// A scalar control (`ir`), read once when the synth starts.
    pub fn ir(&self, name: &str, default: impl Into<ControlValues>) -> Signal {
        self.control(name, default, ParamRate::Scalar, None)
    }

    /// A trigger control (`tr`).
    pub fn tr(&self, name: &str, default: impl Into<ControlValues>) -> Signal {
        self.control(name, default, ParamRate::Trigger, None)
    }

    /// Starts any catalogue UGen by class name at `rate` (`None` infers the rate from the
    /// inputs, as for `MulAdd` or `Sum4`); set inputs by name, then
    /// [`finish`](UGenCall::finish).
    pub fn ugen(&self, name: &str, rate: impl Into<Option<Rate>>) -> UGenCall {
        self.call(name, rate.into())
    }

    pub(crate) fn call(&self, name: &str, rate: Option<Rate>) -> UGenCall {
        let info = catalogue::lookup(name);
        UGenCall {
            graph: self.graph.clone(),
            error: info
                .is_none()
                .then(|| SynthDefError::UnknownUGen(name.to_string())),
            values: info.map(|i| vec![None; i.inputs.len()]).unwrap_or_default(),
            info,
            rate,
            channels: None,
        }
    }

    /// Rewires input `input` of the UGen that produced `target` to `value`. This is the one
    /// way to make a cycle, which [`build`](Self::build) then reports.
    pub fn set_input(&self, target: &Signal, input: usize, value: impl Into<Signal>) {
        let value = value.into();
        let Signal::Output(o) = target else {
            self.graph.borrow_mut().fail(SynthDefError::BadReference {
                ugen: 0,
                input,
                reason: "target is not a UGen output".into(),
            });
            return;
        };
        if !Rc::ptr_eq(&o.graph, &self.graph) {
            self.graph.borrow_mut().fail(SynthDefError::ForeignSignal);
            return;
        }
        let src = src_of(&self.graph, &value);
        let mut g = self.graph.borrow_mut();
        match g
            .nodes
            .get_mut(o.node)
            .and_then(|n| n.inputs.get_mut(input))
        {
            Some(slot) => *slot = src,
            None => {
                let node = o.node;
                g.fail(SynthDefError::BadReference {
                    ugen: node,
                    input,
                    reason: "no such input".into(),
                })
            }
        }
    }

    /// Finishes the graph: groups controls, sorts UGens, removes unused pure UGens,
    /// deduplicates constants and checks the limits.
    pub fn build(&self) -> Result<SynthDef, SynthDefError> {
        let g = self.graph.borrow();
        if let Some(e) = &g.error {
            return Err(e.clone());
        }
        build_graph(&self.name, &g, &self.limits)
    }
}

/// Default value(s) of a control.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlValues(pub Vec<f64>);

impl From<f64> for ControlValues {
    fn from(v: f64) -> Self {
        ControlValues(vec![v])
    }
}

impl From<i32> for ControlValues {
    fn from(v: i32) -> Self {
        ControlValues(vec![v as f64])
    }
}

impl From<Vec<f64>> for ControlValues {
    fn from(v: Vec<f64>) -> Self {
        ControlValues(v)
    }
}

impl From<&[f64]> for ControlValues {
    fn from(v: &[f64]) -> Self {
        ControlValues(v.to_vec())
    }
}

impl<const N: usize> From<[f64; N]> for ControlValues {
    fn from(v: [f64; N]) -> Self {
        ControlValues(v.to_vec())
    }
}

/// A UGen being set up: inputs by name, then [`finish`](Self::finish) adds it.
#[must_use = "call finish() to add the UGen to the graph"]
pub struct UGenCall {
    graph: GraphRef,
    info: Option<&'static UGenInfo>,
    rate: Option<Rate>,
    values: Vec<Option<Signal>>,
    channels: Option<u32>,
    error: Option<SynthDefError>,
}

impl std::fmt::Debug for UGenCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UGenCall")
            .field("ugen", &self.info.map(|i| i.name))
            .field("rate", &self.rate)
            .finish()
    }
}

impl UGenCall {
    pub(crate) fn on_graph(
        graph: &GraphRef,
        info: &'static UGenInfo,
        rate: Option<Rate>,
    ) -> UGenCall {
        UGenCall {
            graph: graph.clone(),
            info: Some(info),
            rate,
            values: vec![None; info.inputs.len()],
            channels: None,
            error: None,
        }
    }

    /// Sets an input by its catalogue name.
    pub fn input(mut self, name: &str, value: impl Into<Signal>) -> Self {
        let name = name.strip_prefix("r#").unwrap_or(name);
        if let Some(info) = self.info {
            match info.input_index(name) {
                Some(i) => self.values[i] = Some(value.into()),
                None => {
                    self.error.get_or_insert(SynthDefError::UnknownInput {
                        ugen: info.name.to_string(),
                        input: name.to_string(),
                    });
                }
            }
        }
        self
    }

    /// Sets the number of output channels of a multichannel UGen (`In`, `PlayBuf`, ...).
    pub fn channels(mut self, count: u32) -> Self {
        if let Some(info) = self.info {
            if !info.has(flags::CHANNELS) {
                self.error
                    .get_or_insert(SynthDefError::FixedChannelCount(info.name.to_string()));
            }
        }
        self.channels = Some(count);
        self
    }

    /// Adds the UGen to the graph and returns its output(s). Array inputs that are not
    /// array parameters expand into several UGens, returned as an array signal.
    pub fn finish(self) -> Signal {
        let graph = self.graph.clone();
        match self.prepare() {
            Ok((info, rate, values, channels)) => {
                special::make(&graph, info, rate, values, channels)
            }
            Err(e) => {
                graph.borrow_mut().fail(e);
                Signal::Array(Vec::new())
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn prepare(
        self,
    ) -> Result<
        (
            &'static UGenInfo,
            Option<Rate>,
            Vec<Option<Signal>>,
            Option<u32>,
        ),
        SynthDefError,
    > {
        if let Some(e) = self.error {
            return Err(e);
        }
        let info = self.info.expect("unknown UGens carry an error");
        let rate = if info.rates.is_empty() {
            None
        } else {
            let rate = self.rate.unwrap_or(info.rates[0]);
            if !info.rates.contains(&rate) {
                return Err(SynthDefError::UnsupportedRate {
                    ugen: info.name.to_string(),
                    rate,
                });
            }
            Some(rate)
        };
        let mut values = self.values;
        for (slot, input) in values.iter_mut().zip(info.inputs) {
            if slot.is_none() {
                match input.default {
                    InputDefault::Value(_) | InputDefault::ByRate { .. } => {
                        *slot = input.default.value(rate).map(Signal::Const)
                    }
                    InputDefault::Required => {
                        return Err(SynthDefError::MissingInput {
                            ugen: info.name.to_string(),
                            input: input.name().to_string(),
                        })
                    }
                    InputDefault::Auto => {}
                }
            }
        }
        Ok((info, rate, values, self.channels))
    }
}

// ---------------------------------------------------------------------------------------
// Building: the steps of supriya's SynthDefBuilder.build, on a copy of the nodes.

struct Work {
    node: Node,
    params: Vec<usize>,
}

const CONTROL_RATES: [ParamRate; 4] = [
    ParamRate::Scalar,
    ParamRate::Trigger,
    ParamRate::Audio,
    ParamRate::Control,
];

fn build_graph(name: &str, g: &Graph, limits: &Limits) -> Result<SynthDef, SynthDefError> {
    if name.len() > 255 {
        return Err(SynthDefError::NameTooLong(name.to_string()));
    }
    // Arena of working nodes: ids 0..n are the recorded nodes, later ids are new ones.
    let mut arena: Vec<Work> = g
        .nodes
        .iter()
        .map(|n| Work {
            node: n.clone(),
            params: Vec::new(),
        })
        .collect();
    // Parameters become control UGens, one per rate, each sorted by name.
    let mut params: Vec<usize> = (0..g.params.len()).collect();
    params.sort_by(|&a, &b| g.params[a].name.cmp(&g.params[b].name));
    let mut controls = Vec::new();
    // (param node id) -> (control id, first output)
    let mut remap: Vec<Option<(usize, u32)>> = vec![None; arena.len()];
    let mut start = 0usize;
    for rate in CONTROL_RATES {
        let group: Vec<usize> = params
            .iter()
            .copied()
            .filter(|&p| g.params[p].rate == rate)
            .collect();
        if group.is_empty() {
            continue;
        }
        let lagged = rate == ParamRate::Control
            && group
                .iter()
                .any(|&p| g.params[p].lag.is_some_and(|l| l != 0.0));
        let (class, calc) = match rate {
            ParamRate::Scalar => ("Control", Rate::Scalar),
            ParamRate::Trigger => ("TrigControl", Rate::Control),
            ParamRate::Audio => ("AudioControl", Rate::Audio),
            ParamRate::Control if lagged => ("LagControl", Rate::Control),
            ParamRate::Control => ("Control", Rate::Control),
        };
        let id = arena.len();
        let mut inputs = Vec::new();
        let mut offset = 0u32;
        for &p in &group {
            let param = &g.params[p];
            for _ in &param.values {
                if lagged {
                    inputs.push(Src::Const(param.lag.unwrap_or(0.0)));
                }
            }
            remap[param.node] = Some((id, offset));
            offset += param.values.len() as u32;
        }
        // scsynth reads a control UGen's first index as a signed 16-bit number.
        if start > i16::MAX as usize {
            return Err(SynthDefError::TooManyControls {
                count: start + offset as usize,
                limit: i16::MAX as usize,
            });
        }
        arena.push(Work {
            node: Node {
                class,
                rate: calc,
                special: start as u16,
                inputs,
                outputs: offset,
                pure: false,
                width_first: false,
                kind: NodeKind::UGen,
            },
            params: group.clone(),
        });
        controls.push(id);
        start += offset as usize;
    }
    if start > limits.max_controls {
        return Err(SynthDefError::TooManyControls {
            count: start,
            limit: limits.max_controls,
        });
    }
    // Order: controls first, then the other nodes in creation order.
    let mut order: Vec<usize> = controls.clone();
    order.extend((0..g.nodes.len()).filter(|&i| !matches!(g.nodes[i].kind, NodeKind::Param(_))));
    for w in arena.iter_mut() {
        for src in w.node.inputs.iter_mut() {
            if let Src::Node(n, o) = *src {
                if let Some(Some((c, off))) = remap.get(n) {
                    *src = Src::Node(*c, off + o);
                }
            }
        }
    }
    copy_shared_pv_chains(&mut arena, &mut order);
    // LocalBufs share one implicit MaxLocalBufs, placed just before the first of them.
    let local_bufs: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| arena[i].node.kind == NodeKind::LocalBuf)
        .collect();
    if let Some(&first) = local_bufs.first() {
        // A MaxLocalBufs made by hand is replaced by the computed one.
        let user_max: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| arena[i].node.kind == NodeKind::MaxLocalBufs)
            .collect();
        order.retain(|i| !user_max.contains(i));
        let max_id = arena.len();
        arena.push(Work {
            node: Node {
                class: "MaxLocalBufs",
                rate: Rate::Scalar,
                special: 0,
                inputs: vec![Src::Const(local_bufs.len() as f64)],
                outputs: 1,
                pure: false,
                width_first: false,
                kind: NodeKind::MaxLocalBufs,
            },
            params: Vec::new(),
        });
        for &lb in &local_bufs {
            let inputs = &mut arena[lb].node.inputs;
            inputs.truncate(2);
            inputs.push(Src::Node(max_id, 0));
        }
        for w in arena.iter_mut() {
            for src in w.node.inputs.iter_mut() {
                if let Src::Node(n, _) = *src {
                    if user_max.contains(&n) {
                        *src = Src::Node(max_id, 0);
                    }
                }
            }
        }
        let at = order.iter().position(|&i| i == first).expect("present");
        order.insert(at, max_id);
    }
    let sorted = sort_topologically(&arena, &order)?;
    let kept = eliminate_unused(&arena, &sorted);
    finish_synthdef(name, g, &arena, &kept, limits)
}

fn is_pv_chain(class: &str) -> bool {
    class == "FFT" || class.starts_with("PV_")
}

/// The FFT buffer a PV chain ultimately works on (the first input of its FFT).
fn fft_buffer(arena: &[Work], mut id: usize) -> Option<Src> {
    loop {
        let node = &arena[id].node;
        if node.class == "FFT" {
            return node.inputs.first().copied();
        }
        match node.inputs.first() {
            Some(&Src::Node(n, _)) if is_pv_chain(arena[n].node.class) => id = n,
            _ => return None,
        }
    }
}

/// PV UGens modify their chain's buffer in place, so when one chain feeds several PV UGens
/// all but the last get a copy: `BufFrames` of the FFT buffer, a `LocalBuf` that size and a
/// `PV_Copy` into it, inserted just before the reader (supriya's rule).
fn copy_shared_pv_chains(arena: &mut Vec<Work>, order: &mut Vec<usize>) {
    let mut readers: Vec<(usize, Vec<(usize, usize)>)> = Vec::new();
    for &id in order.iter() {
        let class = arena[id].node.class;
        if class == "PV_Copy" || !is_pv_chain(class) {
            continue;
        }
        for (i, src) in arena[id].node.inputs.iter().enumerate() {
            if let Src::Node(n, _) = *src {
                if is_pv_chain(arena[n].node.class) {
                    match readers.iter_mut().find(|(a, _)| *a == n) {
                        Some((_, list)) => list.push((id, i)),
                        None => readers.push((n, vec![(id, i)])),
                    }
                }
            }
        }
    }
    let node = |class, rate, inputs, width_first, kind| Work {
        node: Node {
            class,
            rate,
            special: 0,
            inputs,
            outputs: 1,
            pure: false,
            width_first,
            kind,
        },
        params: Vec::new(),
    };
    for (chain, list) in readers {
        if list.len() < 2 {
            continue;
        }
        for &(reader, input) in &list[..list.len() - 1] {
            let Some(buffer) = fft_buffer(arena, chain) else {
                continue;
            };
            let frames = arena.len();
            arena.push(node(
                "BufFrames",
                Rate::Scalar,
                vec![buffer],
                false,
                NodeKind::UGen,
            ));
            let local = arena.len();
            arena.push(node(
                "LocalBuf",
                Rate::Scalar,
                vec![Src::Const(1.0), Src::Node(frames, 0)],
                true,
                NodeKind::LocalBuf,
            ));
            let copy = arena.len();
            arena.push(node(
                "PV_Copy",
                Rate::Control,
                vec![Src::Node(chain, 0), Src::Node(local, 0)],
                true,
                NodeKind::UGen,
            ));
            arena[reader].node.inputs[input] = Src::Node(copy, 0);
            let at = order
                .iter()
                .position(|&i| i == reader)
                .expect("reader in order");
            order.splice(at..at, [frames, local, copy]);
        }
    }
}

struct Bundle {
    antecedents: Vec<usize>,
    descendants: Vec<usize>,
}

/// Antecedents and descendants per arena id, for the nodes in `order`. Width-first UGens
/// (buffers, PV chains) are antecedents of every node listed after them.
fn bundles(arena: &[Work], order: &[usize]) -> Vec<Option<Bundle>> {
    let mut b: Vec<Option<Bundle>> = (0..arena.len()).map(|_| None).collect();
    for &id in order {
        b[id] = Some(Bundle {
            antecedents: Vec::new(),
            descendants: Vec::new(),
        });
    }
    let mut width_first: Vec<usize> = Vec::new();
    for &id in order {
        let mut ants: Vec<usize> = Vec::new();
        for src in &arena[id].node.inputs {
            if let Src::Node(n, _) = *src {
                if !ants.contains(&n) {
                    ants.push(n);
                }
            }
        }
        for &w in &width_first {
            if !ants.contains(&w) {
                ants.push(w);
            }
        }
        for &a in &ants {
            if let Some(ab) = b[a].as_mut() {
                if !ab.descendants.contains(&id) {
                    ab.descendants.push(id);
                }
            }
        }
        // Inputs outside `order` (eliminated or unknown) are not waited for.
        ants.retain(|&a| b[a].is_some());
        b[id].as_mut().expect("in order").antecedents = ants;
        if arena[id].node.width_first {
            width_first.push(id);
        }
    }
    b
}

/// supriya's topological sort: a stack of ready nodes, seeded in reverse creation order,
/// where a node's descendants are pushed in reverse as they become ready (so the first
/// descendant is handled next).
fn sort_topologically(arena: &[Work], order: &[usize]) -> Result<Vec<usize>, SynthDefError> {
    let mut b = bundles(arena, order);
    let mut available: Vec<usize> = Vec::new();
    for &id in order.iter().rev() {
        if b[id].as_ref().expect("in order").antecedents.is_empty() && !available.contains(&id) {
            available.push(id);
        }
    }
    let mut out = Vec::with_capacity(order.len());
    while let Some(id) = available.pop() {
        let descendants = b[id].as_ref().expect("in order").descendants.clone();
        for &d in descendants.iter().rev() {
            let db = b[d].as_mut().expect("in order");
            db.antecedents.retain(|&a| a != id);
            if db.antecedents.is_empty() && !available.contains(&d) {
                available.push(d);
            }
        }
        out.push(id);
    }
    if out.len() < order.len() {
        return Err(SynthDefError::Cycle(order.len() - out.len()));
    }
    Ok(out)
}

/// Drops pure UGens nothing reads, then their inputs if those become unread too.
fn eliminate_unused(arena: &[Work], sorted: &[usize]) -> Vec<usize> {
    let mut b = bundles(arena, sorted);
    fn eliminate(id: usize, arena: &[Work], b: &mut Vec<Option<Bundle>>) {
        if !arena[id].node.pure {
            return;
        }
        let Some(bundle) = b[id].as_ref() else {
            return;
        };
        if !bundle.descendants.is_empty() {
            return;
        }
        let ants = bundle.antecedents.clone();
        b[id] = None;
        for a in ants {
            if let Some(ab) = b[a].as_mut() {
                ab.descendants.retain(|&d| d != id);
                eliminate(a, arena, b);
            }
        }
    }
    for &id in sorted {
        eliminate(id, arena, &mut b);
    }
    sorted
        .iter()
        .copied()
        .filter(|&id| b[id].is_some())
        .collect()
}

fn same_constant(a: f64, b: f64) -> bool {
    // Python's `==` on floats, except that a NaN matches an identical NaN.
    a == b || (a.is_nan() && a.to_bits() == b.to_bits())
}

fn finish_synthdef(
    name: &str,
    g: &Graph,
    arena: &[Work],
    kept: &[usize],
    limits: &Limits,
) -> Result<SynthDef, SynthDefError> {
    if kept.is_empty() {
        return Err(SynthDefError::NoUGens);
    }
    if kept.len() > limits.max_ugens {
        return Err(SynthDefError::TooManyUGens {
            count: kept.len(),
            limit: limits.max_ugens,
        });
    }
    let mut position = vec![usize::MAX; arena.len()];
    for (i, &id) in kept.iter().enumerate() {
        position[id] = i;
    }
    let mut constants: Vec<f64> = Vec::new();
    for &id in kept {
        for src in &arena[id].node.inputs {
            if let Src::Const(v) = *src {
                if !constants.iter().any(|&c| same_constant(c, v)) {
                    constants.push(v);
                }
            }
        }
    }
    if constants.len() > limits.max_constants {
        return Err(SynthDefError::TooManyConstants {
            count: constants.len(),
            limit: limits.max_constants,
        });
    }
    let mut param_values = Vec::new();
    let mut param_names = Vec::new();
    for &id in kept {
        let w = &arena[id];
        let mut index = w.node.special as u32;
        for &p in &w.params {
            let param = &g.params[p];
            if param.name.len() > 255 {
                return Err(SynthDefError::NameTooLong(param.name.clone()));
            }
            param_values.extend(param.values.iter().copied());
            param_names.push(ParamName {
                name: param.name.clone(),
                index,
            });
            index += param.values.len() as u32;
        }
    }
    let mut ugens = Vec::with_capacity(kept.len());
    for &id in kept {
        let n = &arena[id].node;
        let mut inputs = Vec::with_capacity(n.inputs.len());
        for src in &n.inputs {
            inputs.push(match *src {
                Src::Const(v) => Input::Constant(
                    constants
                        .iter()
                        .position(|&c| same_constant(c, v))
                        .expect("collected") as u32,
                ),
                Src::Node(node, output) => {
                    let p = position[node];
                    if p == usize::MAX {
                        // An input to a UGen that was dropped; cannot happen for pure
                        // elimination, so this is an internal inconsistency.
                        return Err(SynthDefError::BadReference {
                            ugen: ugens.len(),
                            input: inputs.len(),
                            reason: "input UGen is not in the graph".into(),
                        });
                    }
                    Input::UGen {
                        index: p as u32,
                        output,
                    }
                }
            });
        }
        ugens.push(UGenSpec {
            class: n.class.to_string(),
            rate: n.rate,
            special_index: n.special,
            inputs,
            outputs: vec![n.rate; n.outputs as usize],
        });
    }
    Ok(SynthDef {
        name: name.to_string(),
        constants,
        param_values,
        param_names,
        ugens,
        variants: Vec::new(),
    })
}
