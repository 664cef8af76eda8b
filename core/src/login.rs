//! What scsynth's answer to `/notify 1` means for a login: the client id and the number of
//! logins the server allows, or why the login is refused.

use rosc::{OscMessage, OscType};

use crate::Protocol;

/// scsynth's answer to `/notify 1`.
#[derive(Debug, Clone, Copy)]
pub enum NotifyAnswer<'a> {
    /// `/done /notify client_id [max_logins]`.
    Done(&'a OscMessage),
    /// `/fail /notify message [args…]`.
    Failed {
        /// scsynth's message.
        message: &'a str,
        /// What it appended (the client id it already knows this address by).
        args: &'a [OscType],
    },
}

/// A login scsynth accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Login {
    /// This client's id.
    pub client_id: i32,
    /// How many clients the server allows.
    pub max_logins: u32,
}

/// Why a login was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoginRefused {
    /// The `/done` carried no client id.
    #[error("no client id")]
    NoClientId,
    /// scsynth 3.13.0 leaves the TCP reply address uninitialised (fixed after it,
    /// supercollider#6647), so every TCP client looks like the first: adopting its id would
    /// share its ids.
    #[error(
        "scsynth took this TCP connection for another client that is already registered (a bug \
         of scsynth 3.13.0 with several TCP clients); connect over UDP, or use a newer scsynth"
    )]
    TcpClientsConfused,
    /// Every login slot is taken.
    #[error("too many users")]
    TooManyClients,
    /// Any other `/fail`, as scsynth said it.
    #[error("{message}")]
    Failed {
        /// scsynth's message.
        message: String,
        /// What it appended.
        args: Vec<OscType>,
    },
}

/// Decides a login from scsynth's answer. supernova omits `max_logins`, and so may a
/// re-registration: `configured` stands in for it then. A client registered earlier from this
/// very address adopts the id scsynth reports for it; supernova reports none
/// (`sc_notify_observers::add_observer` only says "already registered"), so a client that
/// reconnects from the address it was `known` by keeps that id.
pub fn login(
    answer: NotifyAnswer<'_>,
    protocol: Protocol,
    configured: u32,
    known: Option<i32>,
) -> Result<Login, LoginRefused> {
    match answer {
        NotifyAnswer::Done(reply) => {
            let client_id = match reply.args.get(1) {
                Some(OscType::Int(c)) => *c,
                _ => return Err(LoginRefused::NoClientId),
            };
            let max_logins = match reply.args.get(2) {
                Some(OscType::Int(l)) if *l > 0 => *l as u32,
                // supernova registers logins past its `-l` and reports no maximum: an id
                // outside the configured logins is its way of being full.
                _ if client_id >= configured as i32 => return Err(LoginRefused::TooManyClients),
                _ => configured,
            };
            Ok(Login {
                client_id,
                max_logins,
            })
        }
        NotifyAnswer::Failed { message, .. }
            if message.contains("already registered") && protocol == Protocol::Tcp =>
        {
            Err(LoginRefused::TcpClientsConfused)
        }
        NotifyAnswer::Failed { message, args } if message.contains("already registered") => {
            let named = match args.first() {
                Some(OscType::Int(c)) => Some(*c),
                _ => None,
            };
            match named.or(known) {
                Some(client_id) => Ok(Login {
                    client_id,
                    max_logins: configured,
                }),
                _ => Err(LoginRefused::Failed {
                    message: message.to_owned(),
                    args: args.to_vec(),
                }),
            }
        }
        NotifyAnswer::Failed { message, .. } if message.contains("too many") => {
            Err(LoginRefused::TooManyClients)
        }
        NotifyAnswer::Failed { message, args } => Err(LoginRefused::Failed {
            message: message.to_owned(),
            args: args.to_vec(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(args: Vec<OscType>) -> OscMessage {
        let mut all = vec![OscType::String("/notify".into())];
        all.extend(args);
        OscMessage {
            addr: "/done".into(),
            args: all,
        }
    }

    fn failed<'a>(message: &'a str, args: &'a [OscType]) -> NotifyAnswer<'a> {
        NotifyAnswer::Failed { message, args }
    }

    #[test]
    fn a_done_gives_the_id_and_the_servers_login_count() {
        let reply = done(vec![OscType::Int(3), OscType::Int(8)]);
        assert_eq!(
            login(NotifyAnswer::Done(&reply), Protocol::Udp, 1, None),
            Ok(Login {
                client_id: 3,
                max_logins: 8
            })
        );
    }

    #[test]
    fn supernova_omits_the_login_count() {
        let reply = done(vec![OscType::Int(0)]);
        assert_eq!(
            login(NotifyAnswer::Done(&reply), Protocol::Udp, 4, None),
            Ok(Login {
                client_id: 0,
                max_logins: 4
            })
        );
        let no_id = done(vec![]);
        assert_eq!(
            login(NotifyAnswer::Done(&no_id), Protocol::Udp, 4, None),
            Err(LoginRefused::NoClientId)
        );
        // supernova gives the second of one allowed login id 1 instead of refusing it.
        let full = done(vec![OscType::Int(1)]);
        assert_eq!(
            login(NotifyAnswer::Done(&full), Protocol::Udp, 1, None),
            Err(LoginRefused::TooManyClients)
        );
    }

    #[test]
    fn a_client_registered_from_this_address_adopts_its_id_over_udp_only() {
        let args = [OscType::Int(2)];
        let answer = failed("notify: already registered", &args);
        assert_eq!(
            login(answer, Protocol::Udp, 4, None),
            Ok(Login {
                client_id: 2,
                max_logins: 4
            })
        );
        assert_eq!(
            login(answer, Protocol::Tcp, 4, None),
            Err(LoginRefused::TcpClientsConfused)
        );
        let without_id = failed("notify: already registered", &[]);
        assert!(matches!(
            login(without_id, Protocol::Udp, 4, None),
            Err(LoginRefused::Failed { .. })
        ));
    }

    #[test]
    fn supernova_names_no_id_so_a_reconnect_keeps_the_one_it_had() {
        let answer = failed("notify: already registered", &[]);
        assert_eq!(
            login(answer, Protocol::Udp, 2, Some(1)),
            Ok(Login {
                client_id: 1,
                max_logins: 2
            })
        );
        // The id scsynth names wins over the remembered one.
        let named = failed("notify: already registered", &[OscType::Int(0)]);
        assert_eq!(
            login(named, Protocol::Udp, 2, Some(1)).map(|l| l.client_id),
            Ok(0)
        );
    }

    #[test]
    fn a_full_server_and_other_failures_refuse() {
        assert_eq!(
            login(failed("too many users", &[]), Protocol::Udp, 1, None),
            Err(LoginRefused::TooManyClients)
        );
        assert_eq!(
            login(failed("boom", &[OscType::Int(1)]), Protocol::Udp, 1, None),
            Err(LoginRefused::Failed {
                message: "boom".into(),
                args: vec![OscType::Int(1)]
            })
        );
    }
}
