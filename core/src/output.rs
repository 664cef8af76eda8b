//! What a line of scsynth's (or supernova's) console output means for a boot in progress.
//!
//! Only specific lines are fatal: scsynth 3.13 prints `*** ERROR: open directory failed …` on a
//! fresh machine and then boots fine, so a classifier that fails on every `*** ERROR` is wrong.

/// The meaning of one output line before the server is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputLine {
    /// The server is ready for OSC.
    Ready,
    /// The UDP or TCP port is already in use.
    PortInUse,
    /// The UDP or TCP socket could not be opened for another reason (an address family scsynth
    /// cannot bind, an address not of this machine).
    SocketFailure,
    /// The audio backend (JACK, CoreAudio, PortAudio) could not start.
    AudioFailure,
    /// Any other line that scsynth only prints when it is about to give up.
    Fatal,
    /// Informational output, including harmless `*** ERROR` lines.
    Info,
}

/// Classifies one line of server output.
pub fn classify(line: &str) -> OutputLine {
    let line = line.trim();
    if line.starts_with("SuperCollider 3 server ready") || line.starts_with("Supernova ready") {
        return OutputLine::Ready;
    }
    let lower = line.to_ascii_lowercase();
    let socket = lower.contains("udp socket")
        || lower.contains("tcp socket")
        || lower.contains("world_open");
    if socket && (lower.contains("address in use") || lower.contains("address already in use")) {
        return OutputLine::PortInUse;
    }
    if lower.contains("failed to open udp socket") || lower.contains("failed to open tcp socket") {
        return OutputLine::SocketFailure;
    }
    if lower.contains("could not initialize audio")
        || lower.contains("jack server is not running")
        || lower.starts_with("server failed to boot")
        || lower.contains("audio driver failed")
        || lower.contains("error initializing audio")
        // supernova goes on without a JACK client it could not open, then dies of SIGFPE.
        || lower.contains("called with a null client")
    {
        return OutputLine::AudioFailure;
    }
    if line.starts_with("Exception")
        || lower.contains("world_new failed")
        || lower.starts_with("*** error: unable to")
        || lower.starts_with("error: invalid")
        || lower.contains("invalid option")
        || lower.contains("unknown option")
        || lower.starts_with("usage:")
    {
        return OutputLine::Fatal;
    }
    OutputLine::Info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_lines() {
        assert_eq!(classify("SuperCollider 3 server ready."), OutputLine::Ready);
        assert_eq!(classify("Supernova ready"), OutputLine::Ready);
    }

    #[test]
    fn missing_synthdef_directory_is_harmless() {
        let line = "*** ERROR: open directory failed '/root/.local/share/SuperCollider/synthdefs'";
        assert_eq!(classify(line), OutputLine::Info);
    }

    #[test]
    fn port_in_use() {
        assert_eq!(
            classify("*** ERROR: failed to open UDP socket: address in use."),
            OutputLine::PortInUse
        );
        assert_eq!(
            classify("Exception in World_OpenUDP: bind: Address already in use"),
            OutputLine::PortInUse
        );
    }

    #[test]
    fn other_socket_failures_are_not_a_port_in_use() {
        for line in [
            "*** ERROR: failed to open UDP socket: bind: Address family not supported by protocol",
            "*** ERROR: failed to open TCP socket: bind: Cannot assign requested address",
        ] {
            assert_eq!(classify(line), OutputLine::SocketFailure, "{line}");
        }
        assert_eq!(
            classify("*** ERROR: failed to open UDP socket: bind: Address already in use"),
            OutputLine::PortInUse
        );
    }

    #[test]
    fn jack_missing() {
        assert_eq!(
            classify("could not initialize audio."),
            OutputLine::AudioFailure
        );
        assert_eq!(
            classify("jack server is not running or cannot be started"),
            OutputLine::AudioFailure
        );
        assert_eq!(
            classify("jack_set_graph_order_callback called with a NULL client"),
            OutputLine::AudioFailure
        );
    }

    #[test]
    fn other_exceptions_are_fatal() {
        assert_eq!(classify("Exception in World_New: boom"), OutputLine::Fatal);
        assert_eq!(
            classify("JackDriver: client name is 'SuperCollider'"),
            OutputLine::Info
        );
    }
}
