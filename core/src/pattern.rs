//! Reply patterns: an OSC address plus optional leading arguments that a message must carry.
//!
//! `/synced 7` matches only the reply to `/sync 7`; `/status.reply` with no arguments matches any
//! status reply. Patterns are hashable so a router can find the waiting request in O(1) by probing
//! the few prefix lengths a message can have.

use rosc::{OscMessage, OscType};

/// An argument value as it takes part in matching: only the kinds scsynth uses as identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// An integer argument (ints, longs and whole floats compare equal to it).
    Int(i64),
    /// A string argument.
    Str(String),
    /// A float argument that is not a whole number, by its bits.
    Float(u64),
    /// Anything else: never matches.
    Other,
}

impl Key {
    /// The matching key of one OSC argument.
    pub fn of(arg: &OscType) -> Key {
        match arg {
            OscType::Int(i) => Key::Int(i64::from(*i)),
            OscType::Long(i) => Key::Int(*i),
            OscType::Float(f) => Self::float(f64::from(*f)),
            OscType::Double(f) => Self::float(*f),
            OscType::String(s) => Key::Str(s.clone()),
            _ => Key::Other,
        }
    }

    fn float(f: f64) -> Key {
        // scsynth answers int requests with float ids in some replies; a whole float is an int.
        if f.fract() == 0.0 && f.abs() < 1e15 {
            Key::Int(f as i64)
        } else {
            Key::Float(f.to_bits())
        }
    }
}

/// An address with the leading arguments a matching message must start with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    /// The OSC address, e.g. `/synced`.
    pub address: String,
    /// Leading arguments, compared by [`Key`].
    pub args: Vec<Key>,
}

impl Pattern {
    /// A pattern matching every message at `address`.
    pub fn new(address: impl Into<String>) -> Self {
        Pattern {
            address: address.into(),
            args: Vec::new(),
        }
    }

    /// Adds a leading argument the message must carry.
    pub fn arg(mut self, arg: impl Into<OscType>) -> Self {
        self.args.push(Key::of(&arg.into()));
        self
    }

    /// Whether `message` has this address and starts with these arguments.
    pub fn matches(&self, message: &OscMessage) -> bool {
        message.addr == self.address
            && message.args.len() >= self.args.len()
            && self
                .args
                .iter()
                .zip(&message.args)
                .all(|(k, a)| *k == Key::of(a))
    }

    /// The pattern made of `message`'s address and its first `n` arguments, if it has that many.
    /// A router probes `n = 0..=longest` to find a waiting pattern without scanning.
    pub fn prefix_of(message: &OscMessage, n: usize) -> Option<Pattern> {
        (message.args.len() >= n).then(|| Pattern {
            address: message.addr.clone(),
            args: message.args[..n].iter().map(Key::of).collect(),
        })
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.address)?;
        for arg in &self.args {
            match arg {
                Key::Int(i) => write!(f, " {i}")?,
                Key::Str(s) => write!(f, " {s:?}")?,
                Key::Float(bits) => write!(f, " {}", f64::from_bits(*bits))?,
                Key::Other => f.write_str(" ?")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(addr: &str, args: Vec<OscType>) -> OscMessage {
        OscMessage {
            addr: addr.into(),
            args,
        }
    }

    #[test]
    fn matches_address_and_leading_args() {
        let p = Pattern::new("/synced").arg(7);
        assert!(p.matches(&msg("/synced", vec![OscType::Int(7)])));
        assert!(!p.matches(&msg("/synced", vec![OscType::Int(8)])));
        assert!(!p.matches(&msg("/synced", vec![])));
        assert!(!p.matches(&msg("/status.reply", vec![OscType::Int(7)])));
    }

    #[test]
    fn whole_floats_match_ints() {
        let p = Pattern::new("/n_set").arg(1000);
        assert!(p.matches(&msg("/n_set", vec![OscType::Float(1000.0)])));
    }

    #[test]
    fn prefix_round_trips_to_an_equal_pattern() {
        let m = msg("/done", vec!["/b_alloc".into(), OscType::Int(3)]);
        let p = Pattern::new("/done").arg("/b_alloc");
        assert_eq!(Pattern::prefix_of(&m, 1), Some(p));
        assert_eq!(Pattern::prefix_of(&m, 3), None);
        assert_eq!(
            Pattern::new("/done").arg("/b_alloc").arg(3).to_string(),
            "/done \"/b_alloc\" 3"
        );
    }
}
