//! One-shot queries of a running server without registering with it: `/status` and
//! `/g_queryTree` are answered to any address, so these need no login slot (a server booted with
//! `maximum_logins = 1` still answers) and leave nothing behind on the server.

use std::net::SocketAddr;
use std::time::Duration;

use rosc::OscMessage;
use scserver_actors::osc::udp;
use scserver_core::command::Command;
use scserver_core::reply::{Reply, StatusInfo};
use scserver_core::tree::{parse_query_tree, QueryTreeGroup};

/// Why a one-shot query failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// No socket could be opened.
    #[error("cannot open a UDP socket: {0}")]
    Socket(#[from] std::io::Error),
    /// Nothing answered in time.
    #[error("no answer from {address} within {timeout:?}; is a server running there? (check the port, or `scserver run`)")]
    NoAnswer {
        /// Where the query went.
        address: SocketAddr,
        /// How long it waited.
        timeout: Duration,
    },
    /// The answer could not be read.
    #[error("unreadable reply from {address}: {message}")]
    BadReply {
        /// Who answered.
        address: SocketAddr,
        /// What was wrong.
        message: String,
    },
}

/// Sends `command` and waits for the reply its table row names.
async fn ask(
    server: SocketAddr,
    command: Command,
    timeout: Duration,
) -> Result<OscMessage, ProbeError> {
    let reply = command
        .reply()
        .expect("probes send commands that scsynth answers");
    let socket = udp::bind(server, 0, None)?;
    let answer = udp::exchange(&socket, server, &command.to_bytes(), timeout, |datagram| {
        let (_, packet) = rosc::decoder::decode_udp(datagram).ok()?;
        scserver_core::reply::messages(packet)
            .into_iter()
            .find(|m| reply.matches(m))
    })
    .await;
    answer.map_err(|e| match e {
        udp::Unanswered::Send(e) => ProbeError::Socket(e),
        // ICMP port unreachable: nobody listens there.
        udp::Unanswered::Silent | udp::Unanswered::Unreachable(_) => ProbeError::NoAnswer {
            address: server,
            timeout,
        },
    })
}

/// Sends `/status` and reads the reply.
pub async fn query_status(server: SocketAddr, timeout: Duration) -> Result<StatusInfo, ProbeError> {
    let reply = ask(server, Command::Status, timeout).await?;
    match scserver_core::reply::parse(&reply) {
        Ok(Reply::Status(info)) => Ok(info),
        other => Err(ProbeError::BadReply {
            address: server,
            message: format!("{other:?}"),
        }),
    }
}

/// Sends `/g_queryTree group controls` and parses the tree.
pub async fn query_tree(
    server: SocketAddr,
    group: i32,
    controls: bool,
    timeout: Duration,
) -> Result<QueryTreeGroup, ProbeError> {
    let command = Command::GQueryTree {
        groups: vec![(group, controls)],
    };
    let reply = ask(server, command, timeout).await?;
    parse_query_tree(&reply).map_err(|e| ProbeError::BadReply {
        address: server,
        message: e.to_string(),
    })
}
