//! scsynth's TCP transport (`scsynth -t PORT`): every packet, both ways, is preceded by its
//! length as a big-endian int32.
//!
//! With a session password (`scsynth -p`), the first frame of a connection must be the password
//! itself: scsynth 3.13 reads one frame of at most 32 bytes into a 32-byte buffer and compares it
//! with `strcmp` against the first 31 bytes of its password (`SC_ComPort.cpp`,
//! `SC_TcpConnection::start`). So the frame carries the password and a terminating NUL. scsynth
//! then sleeps one second on its network thread before it reads anything else, even after a
//! correct password; a wrong one leaves the connection unread (every later request times out).
//! Each connection takes one of scsynth's `maximum_logins` connection slots; when none is left
//! the connection is accepted by the kernel but never read.
//!
//! supernova 3.13 reads the password frame four times over and compares each
//! (`sc_osc_handler.cpp`, `tcp_connection::start`): the first OSC frame after one password frame
//! fails that comparison, and the exception it throws on the network thread ends the server. So
//! supernova is sent the same frame four times. A wrong password ends supernova just the same;
//! no form of login avoids that.
//!
//! The client never closes a connection to supernova with a FIN: supernova binds its TCP port
//! without `SO_REUSEADDR` (`open_tcp_acceptor`), so a connection whose server end closed first
//! (the server quit or died) and that the client then closed gracefully leaves that end in
//! TIME_WAIT on the server's port for a minute, and a new supernova cannot bind it. Closing with
//! a reset (zero linger) leaves nothing behind; everything sent before has been answered by then.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

/// The longest password scsynth compares (its buffer is 32 bytes, NUL included).
pub const MAX_PASSWORD: usize = 31;
/// How many times supernova reads and checks the password frame.
const SUPERNOVA_PASSWORD_FRAMES: usize = 4;
/// The largest frame accepted from the server; scsynth builds replies in 64 KiB, so anything
/// larger means the stream lost its framing.
pub const MAX_FRAME: usize = 16 << 20;
/// How many bytes of queued frames one write gathers.
const WRITE_BATCH: usize = 256 << 10;

/// Appends `packet` to `out` as one frame: its length, big-endian, then the bytes.
pub fn frame(packet: &[u8], out: &mut Vec<u8>) {
    out.reserve(4 + packet.len());
    out.extend_from_slice(&(packet.len() as u32).to_be_bytes());
    out.extend_from_slice(packet);
}

/// The login frame for a session password: the password, a NUL, padded to four bytes.
pub fn password_frame(password: &str) -> io::Result<Vec<u8>> {
    if password.len() > MAX_PASSWORD || password.contains('\0') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "scsynth compares at most {MAX_PASSWORD} bytes of its password and no NUL; \
                 choose a shorter `password`"
            ),
        ));
    }
    let mut body = password.as_bytes().to_vec();
    body.push(0);
    body.resize(body.len().next_multiple_of(4), 0);
    let mut out = Vec::with_capacity(4 + body.len());
    frame(&body, &mut out);
    Ok(out)
}

/// What a connection sends first to log in with `password`: the password frame once for
/// scsynth, four times for supernova.
pub fn login_frames(password: &str, supernova: bool) -> io::Result<Vec<u8>> {
    let once = password_frame(password)?;
    let times = if supernova {
        SUPERNOVA_PASSWORD_FRAMES
    } else {
        1
    };
    Ok(once.repeat(times))
}

/// The two halves of an open connection.
#[derive(Debug)]
pub struct Connection {
    /// Frames from the server.
    pub read: OwnedReadHalf,
    /// Frames to the server.
    pub write: OwnedWriteHalf,
    /// The local address of the connection.
    pub local: SocketAddr,
}

/// Connects to `server` and logs in with `password`, if any, as scsynth or (`supernova`)
/// supernova takes it; each step is bounded by `timeout`. A refused connection fails at once
/// instead of as a timed-out `/notify`.
pub async fn connect(
    server: SocketAddr,
    password: Option<String>,
    supernova: bool,
    timeout: Duration,
) -> io::Result<Connection> {
    let login = password
        .as_deref()
        .map(|p| login_frames(p, supernova))
        .transpose()?;
    let timed_out = |step: &str| {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{step} took longer than {timeout:?}"),
        )
    };
    let mut stream = tokio::time::timeout(timeout, tokio::net::TcpStream::connect(server))
        .await
        .map_err(|_| timed_out("connecting"))??;
    // Requests are small and latency-bound; scsynth sets TCP_NODELAY on its side too.
    stream.set_nodelay(true)?;
    // Closing resets the connection (see the module's documentation). scsynth binds with
    // SO_REUSEADDR and keeps the graceful close.
    if supernova {
        stream.set_zero_linger()?;
    }
    if let Some(login) = login {
        tokio::time::timeout(timeout, stream.write_all(&login))
            .await
            .map_err(|_| timed_out("sending the password"))??;
    }
    let local = stream.local_addr()?;
    let (read, write) = stream.into_split();
    Ok(Connection { read, write, local })
}

/// Reads one frame into `buf`; `Ok(false)` when the server closed the connection between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
) -> io::Result<bool> {
    let mut len = [0u8; 4];
    match reader.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(e) => return Err(e),
    }
    let len = i32::from_be_bytes(len);
    if len < 0 || len as usize > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame length {len} out of range; the stream lost its framing"),
        ));
    }
    buf.resize(len as usize, 0);
    reader.read_exact(buf).await?;
    Ok(true)
}

/// Writes queued frames in order, gathering what is queued into one write, until the queue's
/// sender is dropped or the connection fails. The write half is let go without the FIN its drop
/// would send: the connection closes (with a reset to supernova) once the read half goes too.
pub async fn write_frames(
    mut writer: OwnedWriteHalf,
    mut frames: mpsc::UnboundedReceiver<Vec<u8>>,
) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut written = Ok(());
    while let Some(first) = frames.recv().await {
        buf.clear();
        buf.extend_from_slice(&first);
        while buf.len() < WRITE_BATCH {
            match frames.try_recv() {
                Ok(next) => buf.extend_from_slice(&next),
                Err(_) => break,
            }
        }
        written = writer.write_all(&buf).await;
        if written.is_err() {
            break;
        }
    }
    writer.forget();
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_a_big_endian_length() {
        let mut out = Vec::new();
        frame(b"/status\0,\0\0\0", &mut out);
        assert_eq!(&out[..4], &[0, 0, 0, 12]);
        assert_eq!(&out[4..], b"/status\0,\0\0\0");
    }

    #[test]
    fn the_password_frame_is_nul_terminated_and_fits_scsynths_buffer() {
        assert_eq!(password_frame("abc").unwrap(), b"\0\0\0\x04abc\0");
        assert_eq!(password_frame("abcd").unwrap(), b"\0\0\0\x08abcd\0\0\0\0");
        let longest = "x".repeat(MAX_PASSWORD);
        assert_eq!(password_frame(&longest).unwrap().len(), 4 + 32);
        let error = password_frame(&"x".repeat(MAX_PASSWORD + 1)).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(password_frame("a\0b").is_err());
    }

    #[test]
    fn supernova_is_sent_the_password_frame_four_times() {
        let once = password_frame("abc").unwrap();
        assert_eq!(login_frames("abc", false).unwrap(), once);
        assert_eq!(login_frames("abc", true).unwrap(), once.repeat(4));
        assert!(login_frames(&"x".repeat(MAX_PASSWORD + 1), true).is_err());
    }

    #[tokio::test]
    async fn frames_are_read_whole_and_bad_lengths_refused() {
        let mut bytes = Vec::new();
        frame(b"one!", &mut bytes);
        frame(&[7u8; 70_000], &mut bytes);
        let mut reader = &bytes[..];
        let mut buf = Vec::new();
        assert!(read_frame(&mut reader, &mut buf).await.unwrap());
        assert_eq!(buf, b"one!");
        assert!(read_frame(&mut reader, &mut buf).await.unwrap());
        assert_eq!(buf.len(), 70_000);
        assert!(!read_frame(&mut reader, &mut buf).await.unwrap());

        let mut reader = &(-1i32).to_be_bytes()[..];
        let error = read_frame(&mut reader, &mut buf).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        // A frame cut short is an error, not a clean close.
        let mut reader = &[0u8, 0, 0, 8, 1, 2][..];
        assert!(read_frame(&mut reader, &mut buf).await.is_err());
    }
}
