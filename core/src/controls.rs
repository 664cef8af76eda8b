//! Synth controls as typed values: numbers, arrays, or an explicit mapping to a bus — never a
//! string that happens to look like one. [`controls!`](crate::controls!) builds them.

use thiserror::Error;

use crate::command::Value;
use crate::ids::BusId;
use crate::value::Control;

/// What a control is set to.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlInput {
    /// A number.
    Number(f32),
    /// Consecutive controls from this one, as an OSC array.
    Array(Vec<f32>),
    /// A mapping to a bus: the control follows the bus (`/n_map` or `/n_mapa`).
    Bus(BusId),
}

impl ControlInput {
    /// The value carried by `/s_new` or `/n_set`.
    pub fn to_value(&self) -> Value {
        match self {
            ControlInput::Number(v) => Value::Float(*v),
            ControlInput::Array(v) => Value::Array(v.clone()),
            ControlInput::Bus(bus) => bus.mapping(),
        }
    }

    /// How many consecutive control values it sets.
    fn width(&self) -> usize {
        match self {
            ControlInput::Array(v) => v.len(),
            _ => 1,
        }
    }
}

impl From<f32> for ControlInput {
    fn from(v: f32) -> Self {
        ControlInput::Number(v)
    }
}

impl From<f64> for ControlInput {
    fn from(v: f64) -> Self {
        ControlInput::Number(v as f32)
    }
}

impl From<i32> for ControlInput {
    fn from(v: i32) -> Self {
        ControlInput::Number(v as f32)
    }
}

impl From<Vec<f32>> for ControlInput {
    fn from(v: Vec<f32>) -> Self {
        ControlInput::Array(v)
    }
}

impl From<&[f32]> for ControlInput {
    fn from(v: &[f32]) -> Self {
        ControlInput::Array(v.to_vec())
    }
}

impl<const N: usize> From<[f32; N]> for ControlInput {
    fn from(v: [f32; N]) -> Self {
        ControlInput::Array(v.to_vec())
    }
}

/// A buffer number as a control value (`PlayBuf`'s `bufnum`, …).
impl From<crate::ids::BufferId> for ControlInput {
    fn from(buffer: crate::ids::BufferId) -> Self {
        ControlInput::Number(buffer.get() as f32)
    }
}

impl From<BusId> for ControlInput {
    fn from(bus: BusId) -> Self {
        ControlInput::Bus(bus)
    }
}

impl From<&BusId> for ControlInput {
    fn from(bus: &BusId) -> Self {
        ControlInput::Bus(*bus)
    }
}

/// Controls in the order written, by name or index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Controls(Vec<(Control, ControlInput)>);

impl Controls {
    /// No controls.
    pub fn new() -> Self {
        Controls::default()
    }

    /// These controls and `control` set to `value`.
    pub fn with(mut self, control: impl Into<Control>, value: impl Into<ControlInput>) -> Self {
        self.0.push((control.into(), value.into()));
        self
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The controls in order.
    pub fn iter(&self) -> impl Iterator<Item = &(Control, ControlInput)> {
        self.0.iter()
    }

    /// The pairs carried by `/s_new` or `/n_set`.
    pub fn to_values(&self) -> Vec<(Control, Value)> {
        self.0
            .iter()
            .map(|(control, input)| (control.clone(), input.to_value()))
            .collect()
    }

    /// Refuses a control `synthdef` does not have. `params` are its controls, each with its
    /// number of values, in the SynthDef's order.
    pub fn check(&self, synthdef: &str, params: &[(String, usize)]) -> Result<(), UnknownControl> {
        let total: usize = params.iter().map(|(_, width)| width).sum();
        for (control, input) in &self.0 {
            let start = match control {
                Control::Name(name) => params
                    .iter()
                    .position(|(n, _)| n == name)
                    .map(|i| params[..i].iter().map(|(_, w)| w).sum::<usize>()),
                Control::Index(i) => usize::try_from(*i).ok().filter(|i| *i < total),
            };
            let fits = start.is_some_and(|start| start + input.width() <= total);
            if !fits {
                return Err(UnknownControl {
                    synthdef: synthdef.to_owned(),
                    control: control.to_string(),
                    known: params.iter().map(|(n, _)| n.clone()).collect(),
                });
            }
        }
        Ok(())
    }
}

impl<C: Into<Control>, V: Into<ControlInput>> FromIterator<(C, V)> for Controls {
    fn from_iter<I: IntoIterator<Item = (C, V)>>(iter: I) -> Self {
        Controls(
            iter.into_iter()
                .map(|(c, v)| (c.into(), v.into()))
                .collect(),
        )
    }
}

/// A control the SynthDef does not have; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "SynthDef {synthdef:?} has no control {control:?} (its controls: {}); check the name",
    known.join(", ")
)]
pub struct UnknownControl {
    /// The SynthDef's name.
    pub synthdef: String,
    /// The control asked for.
    pub control: String,
    /// The controls it has.
    pub known: Vec<String>,
}

/// Builds [`Controls`] in the order written: `controls! { freq: 440.0, amp: 0.1, out: bus }`.
/// Keys are names (identifiers or string literals) or control indices (integer literals); values
/// are anything that converts into a [`ControlInput`] (a bus handle or [`BusId`] maps).
#[macro_export]
macro_rules! controls {
    (@key $key:ident) => {
        stringify!($key)
    };
    (@key $key:literal) => {
        $key
    };
    ($($key:tt : $value:expr),* $(,)?) => {
        $crate::controls::Controls::new()$(.with($crate::controls!(@key $key), $value))*
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Rate;

    #[test]
    fn the_macro_keeps_order_and_maps_only_buses() {
        let bus = BusId::new(Rate::Control, 3);
        let controls = crate::controls! { freq: 440.0, "amp": 0.1f32, 2: 1, out: bus };
        assert_eq!(
            controls.to_values(),
            vec![
                (Control::from("freq"), Value::Float(440.0)),
                (Control::from("amp"), Value::Float(0.1)),
                (Control::Index(2), Value::Float(1.0)),
                (Control::from("out"), Value::Bus("c3".into())),
            ]
        );
        assert!(crate::controls! {}.is_empty());
    }

    #[test]
    fn a_control_the_synthdef_lacks_is_refused() {
        let params = vec![("freq".to_owned(), 1), ("pans".to_owned(), 2)];
        assert!(crate::controls! { freq: 1.0, pans: [0.0f32, 1.0], 2: 0.5 }
            .check("d", &params)
            .is_ok());
        let error = crate::controls! { freqq: 1.0 }
            .check("d", &params)
            .unwrap_err();
        assert_eq!(error.control, "freqq");
        assert!(crate::controls! { 3: 1.0 }.check("d", &params).is_err());
        assert!(crate::controls! { pans: [0.0f32, 1.0, 2.0] }
            .check("d", &params)
            .is_err());
    }
}
