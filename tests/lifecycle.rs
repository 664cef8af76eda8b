//! Lifecycle against a real scsynth: boot, quit, connect, disconnect, failures, process death.
//! The scenarios shared with TCP (`tests/tcp.rs`) live in `tests/scenarios`; they run here over UDP.

mod common;
mod scenarios;

use std::time::Duration;

use common::{alive, options, ServerKind};
use scenarios::server_with_recorder;
use scserver::{BootError, LifecycleEvent as E, Options, ServerError, Status};

/// Runs a shared scenario over UDP on both servers under the scenario's own name.
macro_rules! over_udp {
    ($($name:ident),* $(,)?) => {$(
        fn $name(kind: ServerKind) {
            scenarios::$name(kind.options());
        }

        on_both_servers!($name);
    )*};
}

over_udp!(
    boot_then_quit_in_order_and_nothing_left,
    boot_twice_is_an_error_and_reboot_gives_a_new_process,
    connect_and_disconnect_a_second_client,
    a_forced_quit_by_a_guest_stops_the_server,
    process_death_is_reported_in_order,
    port_in_use_fails_the_boot,
    dropping_a_server_quits_what_it_owns,
    reset_clears_nodes_and_restores_the_default_group,
    concurrent_syncs_each_get_their_own_reply,
    requests_time_out_with_a_typed_error,
);

fn two_servers_at_once(kind: ServerKind) {
    scenarios::two_servers_at_once(kind.options(), kind.options());
}

fn too_many_logins_is_a_typed_error(kind: ServerKind) {
    let (owner, _) = server_with_recorder("full", kind.options());
    owner.boot().unwrap();
    let (guest, events) = server_with_recorder("refused", owner.options());
    let error = guest.connect().unwrap_err();
    assert!(
        matches!(error, ServerError::TooManyClients { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("maximum_logins"));
    assert_eq!(
        events.events(),
        [E::Connecting, E::Disconnecting, E::Disconnected]
    );
    assert_eq!(guest.status(), Status::Offline);
    owner.quit().unwrap();
}

#[test]
fn missing_executable_names_the_paths_tried() {
    let (server, events) = server_with_recorder(
        "missing",
        Options {
            executable: Some("/nonexistent/bin/scsynth".into()),
            ..options()
        },
    );
    let error = server.boot().unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(
            error,
            ServerError::Boot(BootError::ExecutableNotFound { .. })
        ),
        "{text}"
    );
    assert!(text.contains("/nonexistent/bin/scsynth"), "{text}");
    assert!(text.contains("supercollider-server"), "{text}");
    assert_eq!(events.events(), [E::Booting, E::ProcessPanicked]);
}

#[test]
fn boot_timeout_kills_a_server_that_never_gets_ready() {
    let dir = std::env::temp_dir().join(format!("scserver-hang-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("scsynth");
    let pid_file = dir.join("pid");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > {}\nexec sleep 60\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&script).unwrap().permissions(),
        0o755,
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (server, events) = server_with_recorder(
        "hang",
        Options {
            executable: Some(script),
            boot_timeout: Duration::from_millis(500),
            ..options()
        },
    );
    let error = server.boot().unwrap_err();
    assert!(
        matches!(error, ServerError::Boot(BootError::Timeout { .. })),
        "{error}"
    );
    assert_eq!(events.events(), [E::Booting, E::ProcessPanicked]);
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!alive(pid), "the hung process {pid} was left running");
    std::fs::remove_dir_all(&dir).ok();
}

on_both_servers!(two_servers_at_once, too_many_logins_is_a_typed_error,);
