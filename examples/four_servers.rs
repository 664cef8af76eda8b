//! Four supervised servers from a config string, booted at once, queried, and quit together.
//!
//! `cargo run --example four_servers`

use scserver::{Config, ServerSupervisor};

const CONFIG: &str = r#"
[defaults]
start_jack = true
load_synthdefs = false
restart = "on-failure"

[[server]]
name = "drums"
port = 57130

[[server]]
name = "bass"
port = 57131

[[server]]
name = "pads"
port = 57132
heartbeat_interval = "100ms"

[[server]]
name = "fx"
port = 57133
max_restarts = 10
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_str(CONFIG, "four_servers.toml".as_ref())?;
    // Outside an actix system the supervisor runs on a thread of its own.
    let supervisor = ServerSupervisor::new();
    let started = std::time::Instant::now();
    for (name, result) in futures::executor::block_on(supervisor.start(&config)) {
        let server = result?;
        futures::executor::block_on(server.sync())?;
        println!(
            "{name}: pid {:?}, port {}",
            server.pid(),
            server.options().port
        );
    }
    println!("four servers up in {:?}", started.elapsed());
    for child in futures::executor::block_on(supervisor.children()) {
        println!(
            "{}: {:?}, {} restarts",
            child.name, child.phase, child.restarts
        );
    }
    futures::executor::block_on(supervisor.shutdown());
    Ok(())
}
