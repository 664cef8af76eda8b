//! Errors of the actor layer. Each says what happened and what to do about it.

use std::path::PathBuf;
use std::time::Duration;

use scserver_core::alloc::AllocError;
use scserver_core::validate::InvalidArgument;
use scserver_core::OptionsError;

/// Why a server could not be started.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BootError {
    /// No scsynth executable was found.
    #[error(
        "scsynth executable not found (tried: {}); install it with `apt-get install -y supercollider-server` \
         or set `executable` in the options or the SCSYNTH_PATH environment variable",
        display_paths(.tried)
    )]
    ExecutableNotFound {
        /// Every path that was tried, in order.
        tried: Vec<PathBuf>,
    },
    /// The executable exists but could not be started.
    #[error("could not start {path}: {message}")]
    Spawn {
        /// The executable.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
    /// The port is taken by another process.
    #[error("{}{}", port_in_use(*.port, .holder.as_deref(), .owner.as_deref()), output_tail(.output))]
    PortInUse {
        /// The port asked for.
        port: u16,
        /// The last lines the server printed.
        output: Vec<String>,
        /// Who holds the port (`pid 123 (command)`, `scsynth pid 123`), when it could be found
        /// before booting.
        holder: Option<String>,
        /// The process that started the holding server, when it is a server of this library
        /// (`scserver pid 120 (server "main")`).
        owner: Option<String>,
    },
    /// scsynth could not open its UDP or TCP socket for a reason other than a taken port.
    #[error("scsynth could not open its socket: {line}; {}{}", socket_hint(.line), output_tail(.output))]
    Socket {
        /// scsynth's line, as it printed it.
        line: String,
        /// The last lines the server printed.
        output: Vec<String>,
    },
    /// The audio backend (JACK) could not be started.
    #[error(
        "scsynth could not start its audio backend: no JACK server is running; start one with \
         `jackd -d dummy -r 48000 -p 64 &` or set `start_jack = true`{}",
        output_tail(.output)
    )]
    Audio {
        /// The last lines the server printed.
        output: Vec<String>,
    },
    /// A dummy JACK server could not be started.
    #[error(
        "could not start `jackd -d dummy`: {message}; install it with `apt-get install -y jackd2`"
    )]
    Jack {
        /// What went wrong.
        message: String,
    },
    /// scsynth printed a fatal line (bad option, exception) before it was ready.
    #[error("scsynth failed to boot: {line}{}", output_tail(.output))]
    Fatal {
        /// The line that said so.
        line: String,
        /// The last lines the server printed.
        output: Vec<String>,
    },
    /// scsynth exited before it was ready.
    #[error("scsynth exited before it was ready ({status}){}", output_tail(.output))]
    EarlyExit {
        /// Exit code or signal.
        status: String,
        /// The last lines the server printed.
        output: Vec<String>,
    },
    /// The ready line did not come in time.
    #[error(
        "scsynth was not ready within {}; raise `boot_timeout` or look at its output{}",
        humantime_like(*.timeout),
        output_tail(.output)
    )]
    Timeout {
        /// The bound that passed.
        timeout: Duration,
        /// The last lines the server printed.
        output: Vec<String>,
    },
    /// The options are invalid.
    #[error(transparent)]
    Options(#[from] OptionsError),
}

/// Why a request to the server failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// No reply arrived in time.
    #[error("no reply to {command} within {} (waiting for {expected}); the server may be busy or gone, raise the timeout or check it with `scserver status`", humantime_like(*.timeout))]
    Timeout {
        /// The command sent.
        command: String,
        /// The reply pattern that was awaited.
        expected: String,
        /// The bound that passed.
        timeout: Duration,
    },
    /// scsynth answered with `/fail`.
    #[error("scsynth refused {command}: {message}")]
    Failed {
        /// The command that failed.
        command: String,
        /// scsynth's message, without its trailing newline.
        message: String,
        /// Further arguments scsynth appended (a buffer number, a client id).
        args: Vec<rosc::OscType>,
    },
    /// The client is not connected to a server.
    #[error("not connected to a server (it is {status}); boot() or connect() first")]
    NotConnected {
        /// The server's lifecycle state: offline, booting, quitting.
        status: &'static str,
    },
    /// The connection closed while the request was waiting.
    #[error("the connection to the server closed while waiting for a reply to {command}")]
    Disconnected {
        /// The command sent.
        command: String,
    },
    /// The packet does not fit one datagram.
    #[error("packet of {size} bytes exceeds the {limit}-byte datagram limit; split it into smaller bundles")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// Transport limit.
        limit: usize,
    },
    /// The packet could not be encoded.
    #[error("could not encode OSC packet: {0}")]
    Encode(String),
    /// An argument scsynth would ignore or mishandle; nothing was sent.
    #[error(transparent)]
    InvalidArgument(#[from] InvalidArgument),
    /// A control the SynthDef does not have; nothing was sent.
    #[error(transparent)]
    UnknownControl(#[from] scserver_core::controls::UnknownControl),
    /// The reply did not have the expected shape.
    #[error("unexpected reply to {command}: {message}")]
    BadReply {
        /// The command sent.
        command: String,
        /// What was wrong with the reply.
        message: String,
    },
    /// The socket or connection to the server could not be opened.
    #[error(
        "cannot open the {protocol} connection to {address}: {message}; check that the server \
         listens there with the same `protocol` (and, over TCP, the same `password`)"
    )]
    Transport {
        /// `udp` or `tcp`.
        protocol: String,
        /// The server's address.
        address: String,
        /// The operating system's reason.
        message: String,
    },
}

/// Errors of the server lifecycle (boot, connect, quit, …).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Booting failed.
    #[error(transparent)]
    Boot(#[from] BootError),
    /// A request failed.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The server has no room for another client.
    #[error("the server at {address} refused the login: too many users (its maximum_logins is reached); quit another client or boot it with a higher `maximum_logins`")]
    TooManyClients {
        /// Where the server is.
        address: String,
    },
    /// The operation needs a different lifecycle state.
    #[error("cannot {action} while the server is {status}")]
    InvalidState {
        /// What was asked.
        action: &'static str,
        /// The state it is in.
        status: &'static str,
    },
    /// Quitting a server this client did not boot needs `force`.
    #[error("this client does not own the server; quit(force = true) to stop it anyway, or disconnect()")]
    NotOwner,
    /// Disconnecting an owned server is not possible; quit it.
    #[error("this client booted the server; use quit() instead of disconnect()")]
    Owner,
    /// Allocator limits.
    #[error(transparent)]
    Alloc(#[from] AllocError),
    /// No ids of this kind are left in this client's share.
    #[error("no {kind} ids left for this client; free some, or raise the server's counts")]
    Exhausted {
        /// What ran out.
        kind: String,
    },
    /// The actor system is gone.
    #[error("the server's actor stopped; create a new server object")]
    ActorGone,
    /// A wait for the server to come online or to exit ran out of time.
    #[error(
        "the server was not {state} within {timeout:?}; boot, connect or quit it, or wait longer"
    )]
    WaitTimedOut {
        /// What was awaited: "online" or "exited".
        state: &'static str,
        /// The bound.
        timeout: std::time::Duration,
    },
    /// The boot or connect being awaited ended with the server offline.
    #[error("the boot or connect being awaited ended with the server offline{}; see that call's error or the lifecycle events, then boot again", detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    NotOnline {
        /// Why, when the last event said (a boot's error).
        detail: Option<String>,
    },
}

impl From<scserver_core::bundle::BundleError> for RequestError {
    fn from(e: scserver_core::bundle::BundleError) -> Self {
        match e {
            scserver_core::bundle::BundleError::TooLarge { size, limit } => {
                RequestError::TooLarge { size, limit }
            }
        }
    }
}

impl From<InvalidArgument> for ServerError {
    fn from(e: InvalidArgument) -> Self {
        ServerError::Request(e.into())
    }
}

impl From<scserver_core::controls::UnknownControl> for ServerError {
    fn from(e: scserver_core::controls::UnknownControl) -> Self {
        ServerError::Request(e.into())
    }
}

impl From<actix::MailboxError> for ServerError {
    fn from(_: actix::MailboxError) -> Self {
        ServerError::ActorGone
    }
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn port_in_use(port: u16, holder: Option<&str>, owner: Option<&str>) -> String {
    match (holder, owner) {
        (Some(holder), Some(owner)) => format!(
            "port {port} is held by {holder}, started by {owner}; quit that server first or \
             choose another `port`"
        ),
        (holder, _) => format!(
            "port {port} is already in use{}; choose another `port` or stop the process that \
             holds it",
            holder.map(|h| format!(" by {h}")).unwrap_or_default()
        ),
    }
}

fn socket_hint(line: &str) -> &'static str {
    if line.contains("Address family not supported") {
        "scsynth binds IPv4 only; set `ip_address` to an IPv4 address such as 127.0.0.1"
    } else {
        "check that `ip_address` is an address of this machine"
    }
}

pub(crate) fn output_tail(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!("\nlast output:\n  {}", lines.join("\n  "))
    }
}

fn humantime_like(d: Duration) -> String {
    format!("{d:?}")
}
