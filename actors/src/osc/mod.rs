//! The OSC socket: one UDP socket per connection, bound to loopback by default, that only hears
//! the server it talks to.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use actix::prelude::*;
use rosc::{OscMessage, OscPacket};
use tokio::net::UdpSocket;

use scserver_core::coalesce::coalesce;

use crate::router::Incoming;

/// The receive buffer asked of the kernel: bursts of a thousand replies must fit (the kernel caps
/// it at `net.core.rmem_max`).
pub const RECEIVE_BUFFER: usize = 4 << 20;
/// The largest UDP payload; replies are read whole.
pub const MAX_DATAGRAM: usize = 65_507;
/// The size up to which queued packets are packed into one bundle. Well below the UDP limit so a
/// burst still leaves as several datagrams that scsynth can take in across audio periods.
pub const COALESCED_DATAGRAM: usize = 8192;

/// Owns the UDP socket of one connection.
pub struct OscActor {
    socket: Arc<UdpSocket>,
    server: SocketAddr,
    router: Recipient<Incoming>,
    /// Packets handed over since the last flush; sent when the mailbox is drained.
    outbox: Vec<Vec<u8>>,
    backlog: VecDeque<Vec<u8>>,
    span: tracing::Span,
}

impl OscActor {
    /// Binds a socket for talking to `server`; replies go to `router`. `local_port` 0 picks a
    /// free port; reconnects pass the previous one, because scsynth keys clients by address.
    pub fn bind(
        name: &str,
        server: SocketAddr,
        local_port: u16,
        router: Recipient<Incoming>,
    ) -> io::Result<OscActor> {
        let local_ip = if server.ip().is_loopback() {
            server.ip()
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        let domain = socket2::Domain::for_address(server);
        let socket = socket2::Socket::new(domain, socket2::Type::DGRAM, None)?;
        if let Err(e) = socket.set_recv_buffer_size(RECEIVE_BUFFER) {
            tracing::warn!(error = %e, "could not enlarge the UDP receive buffer");
        }
        socket.set_nonblocking(true)?;
        socket.bind(&SocketAddr::new(local_ip, local_port).into())?;
        let socket = UdpSocket::from_std(socket.into())?;
        let span = tracing::info_span!("osc", server = %name, port = server.port());
        Ok(OscActor {
            socket: Arc::new(socket),
            server,
            router,
            outbox: Vec::new(),
            backlog: VecDeque::new(),
            span,
        })
    }

    /// The local address replies come to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Queues a packet; the first one of a burst schedules a flush, which actix runs once the
    /// messages already in the mailbox are handled, so a burst leaves as a few bundles.
    fn enqueue(&mut self, bytes: Vec<u8>, ctx: &mut Context<Self>) {
        if self.outbox.is_empty() {
            ctx.notify(Flush);
        }
        self.outbox.push(bytes);
    }

    fn send_now(&mut self, bytes: Vec<u8>, ctx: &mut Context<Self>) {
        if !self.backlog.is_empty() {
            self.backlog.push_back(bytes);
            return;
        }
        match self.socket.try_send_to(&bytes, self.server) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // Keep order: everything after this waits behind it.
                self.backlog.push_back(bytes);
                self.drain_backlog(ctx);
            }
            Err(e) => {
                let _enter = self.span.enter();
                tracing::warn!(error = %e, "send failed");
            }
        }
    }

    fn drain_backlog(&mut self, ctx: &mut Context<Self>) {
        let socket = self.socket.clone();
        let server = self.server;
        let batch: Vec<_> = self.backlog.drain(..).collect();
        ctx.wait(
            async move {
                for bytes in batch {
                    if let Err(e) = socket.send_to(&bytes, server).await {
                        tracing::warn!(error = %e, "send failed");
                    }
                }
            }
            .into_actor(self)
            .map(|_, act, ctx| {
                if !act.backlog.is_empty() {
                    act.drain_backlog(ctx);
                }
            }),
        );
    }
}

/// Splits a packet into its messages, bundles included, in order.
pub fn flatten(packet: OscPacket, out: &mut Vec<OscMessage>) {
    match packet {
        OscPacket::Message(m) => out.push(m),
        OscPacket::Bundle(b) => b.content.into_iter().for_each(|p| flatten(p, out)),
    }
}

impl Actor for OscActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let socket = self.socket.clone();
        let server = self.server;
        let router = self.router.clone();
        let span = self.span.clone();
        // The receive loop does as little as possible per datagram: decode and hand over.
        ctx.spawn(
            async move {
                let mut buf = vec![0u8; MAX_DATAGRAM + 1];
                loop {
                    let (n, from) = match socket.recv_from(&mut buf).await {
                        Ok(r) => r,
                        Err(e) => {
                            // ICMP port unreachable surfaces here on Linux while the server is down.
                            tracing::debug!(parent: &span, error = %e, "receive error");
                            continue;
                        }
                    };
                    if from != server {
                        tracing::warn!(parent: &span, %from, "dropped a datagram from a foreign address");
                        continue;
                    }
                    match rosc::decoder::decode_udp(&buf[..n]) {
                        Ok((_, packet)) => {
                            let mut messages = Vec::with_capacity(1);
                            flatten(packet, &mut messages);
                            router.do_send(Incoming(messages));
                        }
                        Err(e) => {
                            tracing::warn!(parent: &span, error = ?e, len = n, "dropped a malformed datagram")
                        }
                    }
                }
            }
            .into_actor(self),
        );
    }
}

/// Send encoded OSC bytes to the server.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SendBytes(pub Vec<u8>);

impl Handler<SendBytes> for OscActor {
    type Result = ();

    fn handle(&mut self, msg: SendBytes, ctx: &mut Self::Context) {
        self.enqueue(msg.0, ctx);
    }
}

/// Send several encoded packets in order.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SendMany(pub Vec<Vec<u8>>);

impl Handler<SendMany> for OscActor {
    type Result = ();

    fn handle(&mut self, msg: SendMany, ctx: &mut Self::Context) {
        for bytes in msg.0 {
            self.enqueue(bytes, ctx);
        }
    }
}

/// Sends what was queued, coalesced.
#[derive(Debug, Message)]
#[rtype(result = "()")]
struct Flush;

impl Handler<Flush> for OscActor {
    type Result = ();

    fn handle(&mut self, _: Flush, ctx: &mut Self::Context) {
        let packets = std::mem::take(&mut self.outbox);
        for datagram in coalesce(packets, COALESCED_DATAGRAM) {
            self.send_now(datagram, ctx);
        }
    }
}

/// The local address of the socket.
#[derive(Debug, Message)]
#[rtype(result = "io::Result<SocketAddr>")]
pub struct LocalAddr;

impl Handler<LocalAddr> for OscActor {
    type Result = io::Result<SocketAddr>;

    fn handle(&mut self, _: LocalAddr, _: &mut Self::Context) -> Self::Result {
        self.local_addr()
    }
}

/// Close the socket and stop the actor.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Close;

impl Handler<Close> for OscActor {
    type Result = ();

    fn handle(&mut self, _: Close, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
