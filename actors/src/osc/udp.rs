//! UDP to one server: the local address a client binds, and one exchange (send a packet, wait
//! for a datagram from the server that answers it). The socket actor, the heartbeat's probe of
//! a silent server and the command line's one-shot queries all talk to scsynth this way.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;

use super::MAX_DATAGRAM;

/// The local address for talking to `server` from `port` (0: any free one).
///
/// A server on loopback is talked to from its own loopback address, so it answers on loopback
/// too; any other server from every address of its family (a socket of one family cannot bind
/// an address of the other).
pub fn local_addr(server: SocketAddr, port: u16) -> SocketAddr {
    let ip = match server.ip() {
        ip if ip.is_loopback() => ip,
        IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    };
    SocketAddr::new(ip, port)
}

/// A socket bound for talking to `server` from `port`, with a receive buffer of at least
/// `receive_buffer` bytes when given (the kernel caps it at `net.core.rmem_max`). Needs a
/// running tokio runtime.
pub fn bind(server: SocketAddr, port: u16, receive_buffer: Option<usize>) -> io::Result<UdpSocket> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(server),
        socket2::Type::DGRAM,
        None,
    )?;
    if let Some(size) = receive_buffer {
        if let Err(e) = socket.set_recv_buffer_size(size) {
            tracing::warn!(error = %e, "could not enlarge the UDP receive buffer");
        }
    }
    socket.set_nonblocking(true)?;
    socket.bind(&local_addr(server, port).into())?;
    UdpSocket::from_std(socket.into())
}

/// Why an [`exchange`] got no answer.
#[derive(Debug)]
pub enum Unanswered {
    /// Nothing acceptable arrived within the bound.
    Silent,
    /// The kernel reported the server unreachable (ICMP "port unreachable": nobody listens).
    Unreachable(io::Error),
    /// The packet could not be sent.
    Send(io::Error),
}

/// Sends `packet` to `server` and waits up to `timeout` for a datagram from the server that
/// `accept` turns into an answer; datagrams from other addresses, and those `accept` declines,
/// are skipped.
pub async fn exchange<T>(
    socket: &UdpSocket,
    server: SocketAddr,
    packet: &[u8],
    timeout: Duration,
    mut accept: impl FnMut(&[u8]) -> Option<T>,
) -> Result<T, Unanswered> {
    let deadline = tokio::time::Instant::now() + timeout;
    socket
        .send_to(packet, server)
        .await
        .map_err(Unanswered::Send)?;
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    loop {
        match tokio::time::timeout_at(deadline, socket.recv_from(&mut buf)).await {
            Err(_) => return Err(Unanswered::Silent),
            Ok(Err(e)) => return Err(Unanswered::Unreachable(e)),
            Ok(Ok((n, from))) if from == server => {
                if let Some(answer) = accept(&buf[..n]) {
                    return Ok(answer);
                }
            }
            Ok(Ok(_)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_address_is_of_the_servers_family() {
        let v4: SocketAddr = "192.0.2.7:57110".parse().unwrap();
        let v6: SocketAddr = "[2001:db8::7]:57110".parse().unwrap();
        let lo4: SocketAddr = "127.0.0.1:57110".parse().unwrap();
        let lo6: SocketAddr = "[::1]:57110".parse().unwrap();
        assert_eq!(local_addr(v4, 0), "0.0.0.0:0".parse().unwrap());
        assert_eq!(local_addr(v6, 5), "[::]:5".parse().unwrap());
        assert_eq!(local_addr(lo4, 0), "127.0.0.1:0".parse().unwrap());
        assert_eq!(local_addr(lo6, 0), "[::1]:0".parse().unwrap());
    }

    #[tokio::test]
    async fn a_socket_for_a_non_loopback_ipv6_server_binds() {
        let server: SocketAddr = "[2001:db8::7]:57110".parse().unwrap();
        let socket = bind(server, 0, None).expect("an IPv6 socket binds [::]");
        assert!(socket.local_addr().unwrap().is_ipv6());
    }

    #[tokio::test]
    async fn an_exchange_takes_only_the_servers_accepted_answer() {
        let server = std::net::UdpSocket::bind("[::1]:0").unwrap();
        let stranger = std::net::UdpSocket::bind("[::1]:0").unwrap();
        let address = server.local_addr().unwrap();
        let client = bind(address, 0, None).unwrap();
        let client_addr = client.local_addr().unwrap();
        let peer = std::thread::spawn(move || {
            let mut buf = [0u8; 16];
            let (n, from) = server.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"ping");
            stranger.send_to(b"pong", from).unwrap();
            server.send_to(b"noise", from).unwrap();
            server.send_to(b"pong", from).unwrap();
        });
        let answer = exchange(&client, address, b"ping", Duration::from_secs(5), |d| {
            (d == b"pong").then_some(d.len())
        })
        .await;
        peer.join().unwrap();
        assert_eq!(answer.unwrap(), 4);
        assert!(client_addr.is_ipv6());
        let silent = exchange(&client, address, b"ping", Duration::from_millis(50), |_| {
            Some(())
        })
        .await;
        assert!(matches!(
            silent,
            Err(Unanswered::Silent | Unanswered::Unreachable(_))
        ));
    }
}
