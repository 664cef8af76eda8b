//! `scserver record`: records a running server's output into a sound file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use scserver::{AsyncServer, HeaderFormat, Options, RecordError, RecordOptions, SampleFormat};

/// Arguments of `scserver record` besides the server.
#[derive(Args)]
pub struct RecordArgs {
    /// The sound file to write (a path on the server's machine).
    output: PathBuf,
    /// Stop after this much sound (`5s`, `1m30s`); without it, record until Ctrl-C.
    #[arg(long, value_parser = humantime::parse_duration)]
    duration: Option<Duration>,
    /// Channels to record.
    #[arg(long, default_value_t = 2)]
    channels: u32,
    /// The first bus to record.
    #[arg(long, default_value_t = 0)]
    bus: i32,
    /// The file's container; by default the one its extension names, else wav.
    #[arg(long)]
    header: Option<HeaderFormat>,
    /// How samples are stored.
    #[arg(long, default_value_t = SampleFormat::Float)]
    sample_format: SampleFormat,
}

/// Connects to the server at `address`, records, and disconnects.
pub fn record(address: SocketAddr, args: RecordArgs) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    match runtime.block_on(run(address, args)) {
        Ok(path) => {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("scserver: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(address: SocketAddr, args: RecordArgs) -> Result<PathBuf, RecordError> {
    let server = AsyncServer::new(Options {
        ip_address: address.ip(),
        port: address.port(),
        ..Options::default()
    });
    server.connect().await?;
    let header_format = args.header.unwrap_or_else(|| {
        args.output
            .extension()
            .and_then(|e| e.to_str()?.parse().ok())
            .unwrap_or_default()
    });
    let options = RecordOptions {
        channels: args.channels,
        bus: args.bus,
        header_format,
        sample_format: args.sample_format,
        duration: args.duration,
        ..RecordOptions::default()
    };
    let recording = server.record(&args.output, options).await?;
    let result = match args.duration {
        // The server stops it after exactly that much sound; allow for pauses and a slow disk.
        Some(duration) => {
            recording
                .finished(duration * 2 + Duration::from_secs(5))
                .await
        }
        None => {
            let _ = tokio::signal::ctrl_c().await;
            recording.stop().await.map_err(RecordError::from)
        }
    };
    let result = match result {
        Err(RecordError::NotFinished { .. }) => recording.stop().await.map_err(RecordError::from),
        other => other,
    };
    server.disconnect().await?;
    result
}
