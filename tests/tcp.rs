//! The lifecycle scenarios of `tests/lifecycle.rs` over TCP (`scsynth -t`, length-prefixed
//! frames), plus what only TCP has: the session password. The two scenarios with a second
//! client do not run here: scsynth 3.13.0 cannot tell TCP clients apart (see
//! `a_second_tcp_client_is_refused_with_a_reason`). supernova takes the password frame four
//! times (see `scserver_actors::osc::tcp`).

mod common;
mod scenarios;

use std::time::{Duration, Instant};

use common::ServerKind;
use scenarios::server_with_recorder;
use scserver::{LifecycleEvent as E, Options, Protocol, RequestError, ServerError, Status};

fn tcp(kind: ServerKind) -> Options {
    scenarios::options(kind, Protocol::Tcp)
}

/// Runs a shared scenario over TCP on both servers under the scenario's own name.
macro_rules! over_tcp {
    ($($name:ident),* $(,)?) => {$(
        fn $name(kind: ServerKind) {
            scenarios::$name(tcp(kind));
        }

        on_both_servers!($name);
    )*};
}

over_tcp!(
    boot_then_quit_in_order_and_nothing_left,
    port_in_use_fails_the_boot,
    dropping_a_server_quits_what_it_owns,
    reset_clears_nodes_and_restores_the_default_group,
    concurrent_syncs_each_get_their_own_reply,
    requests_time_out_with_a_typed_error,
);

over_tcp!(
    boot_twice_is_an_error_and_reboot_gives_a_new_process,
    process_death_is_reported_in_order,
    ten_thousand_concurrent_mixed_requests_each_get_their_own_reply,
);

fn two_servers_at_once(kind: ServerKind) {
    scenarios::two_servers_at_once(tcp(kind), tcp(kind));
}

fn the_session_password_logs_in(kind: ServerKind) {
    let options = Options {
        password: Some("s3cret".into()),
        ..tcp(kind)
    };
    let (server, events) = server_with_recorder("password", options);
    // scsynth reads nothing for a second after the password frame; boot allows for it.
    server.boot().expect("boot with a password");
    assert_eq!(events.events(), common::BOOT);
    scenarios::query_node(&server, 1).expect("requests work after the login");
    server.sync().unwrap();
    server.quit().unwrap();
}

fn a_wrong_password_fails_the_login(kind: ServerKind) {
    let options = Options {
        password: Some("right".into()),
        maximum_logins: 2,
        ..tcp(kind)
    };
    let (owner, owner_events) = server_with_recorder("pw-owner", options);
    owner.boot().unwrap();
    let pid = owner.pid().unwrap();
    let (guest, events) = server_with_recorder(
        "pw-guest",
        Options {
            password: Some("wrong".into()),
            ..owner.options()
        },
    );
    let started = Instant::now();
    let error = guest.connect().unwrap_err();
    // Neither server answers a connection with a wrong password: the login times out.
    assert!(
        matches!(error, ServerError::Request(RequestError::Timeout { .. })),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        events.events(),
        [E::Connecting, E::Disconnecting, E::Disconnected]
    );
    assert_eq!(guest.status(), Status::Offline);
    // supernova 3.13 ends itself at once on a wrong password (it throws on its network thread).
    if kind == ServerKind::Supernova {
        assert!(owner_events.wait_for(E::ProcessPanicked, Duration::from_secs(3)));
    }
    // scsynth 3.13 aborts when a connection that failed its login closes (an uncaught exception
    // on its network thread); the owner sees that as a process death. Either way nothing is left.
    if !owner_events.wait_for(E::ProcessPanicked, Duration::from_secs(3)) {
        owner.quit().unwrap();
    }
    assert!(owner_events.wait_for(E::Quit, Duration::from_secs(5)));
    assert!(!common::alive(pid), "scsynth {pid} still running");
}

fn a_second_tcp_client_is_refused_with_a_reason(kind: ServerKind) {
    let options = Options {
        maximum_logins: 2,
        ..tcp(kind)
    };
    let (owner, _) = server_with_recorder("tcp-owner", options);
    owner.boot().unwrap();
    let (guest, events) = server_with_recorder("tcp-guest", owner.options());
    if kind == ServerKind::Supernova {
        // supernova tells TCP clients apart: the second one logs in with its own id.
        guest.connect().expect("a second TCP client of supernova");
        assert_ne!(guest.client_id(), owner.client_id());
        guest.disconnect().unwrap();
        owner.sync().unwrap();
        owner.quit().unwrap();
        return;
    }
    let error = guest.connect().unwrap_err();
    assert!(
        matches!(error, ServerError::Request(RequestError::BadReply { .. })),
        "{error}"
    );
    assert!(error.to_string().contains("UDP"), "{error}");
    assert_eq!(
        events.events(),
        [E::Connecting, E::Disconnecting, E::Disconnected]
    );
    // The owner is not disturbed.
    owner.sync().unwrap();
    owner.quit().unwrap();
}

fn an_overlong_password_is_refused_before_connecting(kind: ServerKind) {
    let (owner, _) = server_with_recorder("pw-long-owner", tcp(kind));
    owner.boot().unwrap();
    let (guest, _) = server_with_recorder(
        "pw-long",
        Options {
            password: Some("x".repeat(32)),
            ..owner.options()
        },
    );
    let error = guest.connect().unwrap_err();
    assert!(
        matches!(error, ServerError::Request(RequestError::Transport { .. })),
        "{error}"
    );
    assert!(error.to_string().contains("31 bytes"), "{error}");
    owner.quit().unwrap();
}

#[test]
fn connection_refused_is_a_typed_error() {
    let (server, events) = server_with_recorder("refused", tcp(ServerKind::Scsynth));
    let error = server.connect().unwrap_err();
    assert!(
        matches!(error, ServerError::Request(RequestError::Transport { .. })),
        "{error}"
    );
    assert!(error.to_string().contains("tcp"), "{error}");
    assert_eq!(
        events.events(),
        [E::Connecting, E::Disconnecting, E::Disconnected]
    );
}

#[actix::test]
async fn a_tcp_connect_that_hangs_leaves_the_arbiter_free() {
    common::init_tracing();
    // A listener whose accept queue is full drops further SYNs: a connect to it hangs.
    let listener =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener
        .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    listener.listen(0).unwrap();
    let address = listener.local_addr().unwrap().as_socket().unwrap();
    let _queued = std::net::TcpStream::connect(address).unwrap();
    let timeout = Duration::from_millis(1500);
    let server = scserver::AsyncServer::with_name(
        "black-hole",
        Options {
            port: address.port(),
            request_timeout: timeout,
            ..tcp(ServerKind::Scsynth)
        },
    );
    let started = Instant::now();
    // Ticks of a task on the same arbiter as the server's actors, while the connect is pending.
    let ticks = async {
        let mut longest = Duration::ZERO;
        let mut last = Instant::now();
        while started.elapsed() < timeout {
            tokio::time::sleep(Duration::from_millis(10)).await;
            longest = longest.max(last.elapsed());
            last = Instant::now();
        }
        longest
    };
    let (result, longest) = tokio::join!(server.connect(), ticks);
    assert!(
        matches!(
            result,
            Err(ServerError::Request(RequestError::Transport { .. }))
        ),
        "{result:?}"
    );
    assert!(
        started.elapsed() >= timeout,
        "the connect is bounded by request_timeout"
    );
    assert!(
        longest < timeout / 3,
        "the arbiter froze for {longest:?} during the connect"
    );
}

on_both_servers!(
    the_session_password_logs_in,
    a_wrong_password_fails_the_login,
    two_servers_at_once,
    a_second_tcp_client_is_refused_with_a_reason,
    an_overlong_password_is_refused_before_connecting,
);
