//! The OSC socket: one UDP socket per connection, bound to loopback by default, that only hears
//! the server it talks to; or one TCP connection with scsynth's length framing ([`tcp`]). Both
//! share the coalescing outbox and hand decoded messages to the router the same way.

pub mod tcp;
pub mod udp;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use actix::prelude::*;
use rosc::{OscMessage, OscPacket};
use tokio::net::UdpSocket;

use scserver_core::coalesce::coalesce;
use scserver_core::{Options, Protocol};
use tokio::sync::mpsc;

use crate::router::Incoming;

/// The receive buffer asked of the kernel: bursts of a thousand replies must fit (the kernel caps
/// it at `net.core.rmem_max`).
pub const RECEIVE_BUFFER: usize = 4 << 20;
/// The largest UDP payload; replies are read whole.
pub const MAX_DATAGRAM: usize = scserver_core::bundle::MAX_UDP_PACKET;
/// The size up to which queued packets are packed into one bundle. Well below the UDP limit so a
/// burst still leaves as several datagrams that scsynth can take in across audio periods.
pub const COALESCED_DATAGRAM: usize = 8192;
/// The most bytes sent to scsynth over UDP per [`PACE`]. scsynth 3.13.0 keeps Linux's default
/// receive buffer (208 KiB, a dozen coalesced datagrams by the kernel's accounting), and a burst
/// larger than that, arriving while its receive thread waits for a CPU, is dropped by the
/// kernel: measured as whole bundles of `/sync` lost on a busy 2-core machine.
pub const BURST_BYTES: usize = 64 << 10;
/// The pacing interval of [`BURST_BYTES`].
pub const PACE: std::time::Duration = std::time::Duration::from_millis(1);

/// How packets travel. Either way a writer task sends them in order, so the actor never waits
/// on the socket; what waits for the actor to start sits in `pending`.
enum Transport {
    Udp {
        socket: Arc<UdpSocket>,
        datagrams: mpsc::UnboundedSender<Vec<u8>>,
        pending: Option<mpsc::UnboundedReceiver<Vec<u8>>>,
    },
    Tcp {
        frames: mpsc::UnboundedSender<Vec<u8>>,
        local: SocketAddr,
        pending: Option<(tcp::Connection, mpsc::UnboundedReceiver<Vec<u8>>)>,
    },
}

/// Owns the socket (UDP) or connection (TCP) of one client.
pub struct OscActor {
    transport: Transport,
    server: SocketAddr,
    router: Recipient<Incoming>,
    /// Packets handed over since the last flush; sent when the mailbox is drained.
    outbox: Vec<Vec<u8>>,
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
        let socket = udp::bind(server, local_port, Some(RECEIVE_BUFFER))?;
        let (datagrams, queue) = mpsc::unbounded_channel();
        let transport = Transport::Udp {
            socket: Arc::new(socket),
            datagrams,
            pending: Some(queue),
        };
        Ok(Self::with_transport(name, server, transport, router))
    }

    /// Connects over TCP to `server`, logging in with `password` if given as scsynth or
    /// (`supernova`) supernova takes it; see [`tcp`].
    pub async fn connect_tcp(
        name: String,
        server: SocketAddr,
        password: Option<String>,
        supernova: bool,
        timeout: std::time::Duration,
        router: Recipient<Incoming>,
    ) -> io::Result<OscActor> {
        let connection = tcp::connect(server, password, supernova, timeout).await?;
        let (frames, queue) = mpsc::unbounded_channel();
        let transport = Transport::Tcp {
            frames,
            local: connection.local,
            pending: Some((connection, queue)),
        };
        Ok(Self::with_transport(&name, server, transport, router))
    }

    /// Opens the transport `options` ask for (`protocol`, address, `password`). Over UDP the
    /// socket binds `local_port` when it is free, else any port (see [`Self::bind`]); `local_port`
    /// is not used over TCP.
    pub async fn open(
        name: String,
        options: Options,
        local_port: u16,
        router: Recipient<Incoming>,
    ) -> io::Result<OscActor> {
        let server = SocketAddr::new(options.ip_address, options.port);
        match options.protocol {
            Protocol::Udp => Self::bind(&name, server, local_port, router.clone()).or_else(|e| {
                // The previous socket of this client may still be closing. After a disconnect
                // (which sent /notify 0) any port will do; keeping it only matters for a
                // reconnect to a server that still has this client registered.
                if e.kind() == io::ErrorKind::AddrInUse && local_port != 0 {
                    tracing::debug!(
                        port = local_port,
                        "previous local port busy; taking a new one"
                    );
                    Self::bind(&name, server, 0, router)
                } else {
                    Err(e)
                }
            }),
            Protocol::Tcp => {
                let supernova = options.is_supernova();
                Self::connect_tcp(
                    name,
                    server,
                    options.password,
                    supernova,
                    options.request_timeout,
                    router,
                )
                .await
            }
        }
    }

    fn with_transport(
        name: &str,
        server: SocketAddr,
        transport: Transport,
        router: Recipient<Incoming>,
    ) -> OscActor {
        let span = tracing::info_span!("osc", server = %name, port = server.port());
        OscActor {
            transport,
            server,
            router,
            outbox: Vec::new(),
            span,
        }
    }

    /// The local address replies come to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.transport {
            Transport::Udp { socket, .. } => socket.local_addr(),
            Transport::Tcp { local, .. } => Ok(*local),
        }
    }

    /// Queues a packet; the first one of a burst schedules a flush, which actix runs once the
    /// messages already in the mailbox are handled, so a burst leaves as a few bundles.
    fn enqueue(&mut self, bytes: Vec<u8>, ctx: &mut Context<Self>) {
        if self.outbox.is_empty() {
            ctx.notify(Flush);
        }
        self.outbox.push(bytes);
    }

    fn send_now(&mut self, bytes: Vec<u8>) {
        let queued = match &self.transport {
            Transport::Udp { datagrams, .. } => datagrams.send(bytes).is_ok(),
            Transport::Tcp { frames, .. } => {
                let mut framed = Vec::with_capacity(4 + bytes.len());
                tcp::frame(&bytes, &mut framed);
                frames.send(framed).is_ok()
            }
        };
        if !queued {
            let _enter = self.span.enter();
            tracing::warn!("send failed: the socket's writer stopped");
        }
    }
}

/// Sends queued datagrams in order, at most [`BURST_BYTES`] per [`PACE`], until the queue's
/// sender is dropped. It holds the socket only while sending: the socket closes with the actor,
/// so a reconnect can bind the same local port at once.
async fn write_datagrams(
    socket: std::sync::Weak<UdpSocket>,
    server: SocketAddr,
    mut datagrams: mpsc::UnboundedReceiver<Vec<u8>>,
    span: tracing::Span,
) {
    let mut since = tokio::time::Instant::now();
    let mut sent = 0;
    while let Some(bytes) = datagrams.recv().await {
        let now = tokio::time::Instant::now();
        if now.duration_since(since) >= PACE {
            since = now;
            sent = 0;
        }
        if sent > 0 && sent + bytes.len() > BURST_BYTES {
            tokio::time::sleep_until(since + PACE).await;
            since = tokio::time::Instant::now();
            sent = 0;
        }
        sent += bytes.len();
        let Some(socket) = socket.upgrade() else {
            return;
        };
        // Waits for room in the send buffer rather than failing.
        if let Err(e) = socket.send_to(&bytes, server).await {
            tracing::warn!(parent: &span, error = %e, "send failed");
        }
    }
}

/// Splits a packet into its messages, bundles included, in order.
pub fn flatten(packet: OscPacket, out: &mut Vec<OscMessage>) {
    match packet {
        OscPacket::Message(m) => out.push(m),
        OscPacket::Bundle(b) => b.content.into_iter().for_each(|p| flatten(p, out)),
    }
}

/// Decodes one packet and hands its messages to the router; malformed packets are dropped.
fn deliver(bytes: &[u8], router: &Recipient<Incoming>, span: &tracing::Span) {
    match rosc::decoder::decode_udp(bytes) {
        Ok((_, packet)) => {
            let mut messages = Vec::with_capacity(1);
            flatten(packet, &mut messages);
            router.do_send(Incoming(messages));
        }
        Err(e) => {
            tracing::warn!(parent: span, error = ?e, len = bytes.len(), "dropped a malformed packet")
        }
    }
}

impl Actor for OscActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let server = self.server;
        let router = self.router.clone();
        let span = self.span.clone();
        // Writers are tasks of their own, so the actor never waits on the socket; they end when
        // the queue closes with the actor.
        let socket = match &mut self.transport {
            Transport::Udp {
                socket, pending, ..
            } => {
                if let Some(queue) = pending.take() {
                    let weak = Arc::downgrade(socket);
                    actix::spawn(write_datagrams(weak, server, queue, span.clone()));
                }
                socket.clone()
            }
            Transport::Tcp { pending, .. } => {
                let Some((connection, queue)) = pending.take() else {
                    return;
                };
                let write_span = span.clone();
                actix::spawn(async move {
                    if let Err(e) = tcp::write_frames(connection.write, queue).await {
                        tracing::warn!(parent: &write_span, error = %e, "TCP write failed");
                    }
                });
                let mut read = connection.read;
                ctx.spawn(
                    async move {
                        let mut buf = Vec::new();
                        loop {
                            match tcp::read_frame(&mut read, &mut buf).await {
                                Ok(true) => deliver(&buf, &router, &span),
                                Ok(false) => {
                                    tracing::info!(parent: &span, "the server closed the TCP connection");
                                    break;
                                }
                                Err(e) => {
                                    tracing::warn!(parent: &span, error = %e, "TCP receive failed; connection abandoned");
                                    break;
                                }
                            }
                        }
                    }
                    .into_actor(self),
                );
                return;
            }
        };
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
                    deliver(&buf[..n], &router, &span);
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

    fn handle(&mut self, _: Flush, _: &mut Self::Context) {
        let packets = std::mem::take(&mut self.outbox);
        for datagram in coalesce(packets, COALESCED_DATAGRAM) {
            self.send_now(datagram);
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
