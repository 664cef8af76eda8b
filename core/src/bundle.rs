//! Request contexts as data: a [`Moment`] collects commands and becomes one packet.
//!
//! When a moment closes, consecutive commands of the same mergeable kind become one message;
//! with a timestamp the result is one bundle at timestamp + latency, without one a single command
//! goes bare and several go in an untimed bundle (timetag 1); an empty moment sends nothing.

use crate::command::{self, Command};
use crate::timetag;
use rosc::{OscBundle, OscPacket};
use std::time::Duration;
use thiserror::Error;

/// The largest UDP payload over IPv4 (65,535 − 8 UDP − 20 IP header bytes).
pub const MAX_UDP_PACKET: usize = 65_507;

/// Why a packet cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BundleError {
    /// The encoded packet does not fit in one datagram; split the moment or use TCP.
    #[error("OSC packet of {size} bytes exceeds the {limit}-byte datagram limit")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The limit it exceeds.
        limit: usize,
    },
}

/// Commands to send together, optionally at a time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Moment {
    /// When the commands should run, as Unix seconds; `None` for as soon as they arrive.
    pub timestamp: Option<f64>,
    /// The commands, in order.
    pub commands: Vec<Command>,
}

impl Moment {
    /// An untimed, empty moment.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty moment at Unix time `seconds` (latency is added when it becomes a packet).
    pub fn at(seconds: f64) -> Self {
        Moment {
            timestamp: Some(seconds),
            commands: Vec::new(),
        }
    }

    /// Adds a command.
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Whether the moment holds no commands.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// The commands with consecutive mergeable ones merged.
    pub fn merged(&self) -> Vec<Command> {
        command::merge_all(self.commands.iter().cloned())
    }

    /// The packet to send, or `None` for an empty moment.
    pub fn to_packet(&self, latency: Duration) -> Option<OscPacket> {
        match self.timestamp {
            None => command::untimed_packet(&self.commands),
            Some(seconds) => {
                let merged = self.merged();
                if merged.is_empty() {
                    return None;
                }
                Some(OscPacket::Bundle(OscBundle {
                    timetag: timetag::from_unix(seconds + latency.as_secs_f64()),
                    content: merged
                        .iter()
                        .map(|c| OscPacket::Message(c.to_message()))
                        .collect(),
                }))
            }
        }
    }
}

/// Encodes a packet, refusing one larger than a UDP datagram can carry ([`MAX_UDP_PACKET`]).
pub fn encode_checked(packet: &OscPacket) -> Result<Vec<u8>, BundleError> {
    encode_with_limit(packet, MAX_UDP_PACKET)
}

/// Encodes a packet, refusing one larger than `limit` bytes.
pub fn encode_with_limit(packet: &OscPacket, limit: usize) -> Result<Vec<u8>, BundleError> {
    // rosc's encoder into a Vec cannot fail; an empty result would only fail the size check.
    let bytes = rosc::encoder::encode(packet).unwrap_or_default();
    fits(&bytes, limit)?;
    Ok(bytes)
}

/// Refuses an encoded packet larger than `limit` bytes.
pub fn fits(bytes: &[u8], limit: usize) -> Result<(), BundleError> {
    if bytes.len() > limit {
        return Err(BundleError::TooLarge {
            size: bytes.len(),
            limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::AddAction;
    use rosc::{OscMessage, OscType};

    fn g_new(id: i32) -> Command {
        Command::GNew {
            groups: vec![(id, AddAction::AddToTail, 1)],
        }
    }

    fn free(id: i32) -> Command {
        Command::NFree { node_ids: vec![id] }
    }

    #[test]
    fn empty_moments_send_nothing() {
        assert_eq!(Moment::new().to_packet(Duration::ZERO), None);
        assert_eq!(Moment::at(10.0).to_packet(Duration::from_millis(100)), None);
    }

    #[test]
    fn one_untimed_command_goes_bare() {
        let mut m = Moment::new();
        m.push(free(1000));
        assert_eq!(
            m.to_packet(Duration::from_millis(100)),
            Some(OscPacket::Message(free(1000).to_message()))
        );
    }

    #[test]
    fn mergeable_commands_collapse_into_one_bare_message() {
        let mut m = Moment::new();
        m.push(g_new(1000));
        m.push(g_new(1001));
        let Some(OscPacket::Message(msg)) = m.to_packet(Duration::ZERO) else {
            panic!("expected one message")
        };
        assert_eq!(msg.addr, "/g_new");
        assert_eq!(msg.args.len(), 6);
    }

    #[test]
    fn several_untimed_commands_go_in_an_immediate_bundle() {
        let mut m = Moment::new();
        for c in [g_new(1000), g_new(1001), free(5), g_new(1002)] {
            m.push(c);
        }
        let Some(OscPacket::Bundle(b)) = m.to_packet(Duration::from_secs(1)) else {
            panic!("expected a bundle")
        };
        assert_eq!(b.timetag, timetag::IMMEDIATE);
        let addrs: Vec<(String, usize)> = b
            .content
            .iter()
            .map(|p| match p {
                OscPacket::Message(m) => (m.addr.clone(), m.args.len()),
                OscPacket::Bundle(_) => panic!("nested"),
            })
            .collect();
        assert_eq!(
            addrs,
            [
                ("/g_new".into(), 6),
                ("/n_free".into(), 1),
                ("/g_new".into(), 3)
            ]
        );
    }

    #[test]
    fn timed_moments_are_bundles_at_time_plus_latency() {
        let mut m = Moment::at(1_700_000_000.0);
        m.push(free(1000));
        let Some(OscPacket::Bundle(b)) = m.to_packet(Duration::from_millis(250)) else {
            panic!("expected a bundle")
        };
        assert_eq!(b.timetag, timetag::from_unix(1_700_000_000.25));
        assert_eq!(
            b.content,
            vec![OscPacket::Message(OscMessage {
                addr: "/n_free".into(),
                args: vec![OscType::Int(1000)]
            })]
        );
    }

    #[test]
    fn oversized_packets_are_refused_with_their_size() {
        let mut m = Moment::new();
        m.push(Command::CSetn {
            ranges: vec![(0, vec![0.5; 20_000])],
        });
        let packet = m.to_packet(Duration::ZERO).unwrap();
        let Err(BundleError::TooLarge { size, limit }) = encode_checked(&packet) else {
            panic!("should not fit")
        };
        assert_eq!(limit, MAX_UDP_PACKET);
        assert_eq!(size, 8 + 20_004 + 20_002 * 4);
        assert!(encode_with_limit(&packet, 1 << 20).is_ok());

        let small = Moment {
            timestamp: None,
            commands: vec![Command::Status],
        };
        let bytes = encode_checked(&small.to_packet(Duration::ZERO).unwrap()).unwrap();
        assert_eq!(bytes, Command::Status.to_bytes());
    }
}
