//! `scserver render`: a command file rendered offline by `scsynth -N`, with a progress bar.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use scserver::{
    Commands, HeaderFormat, Options, Render, RenderEvent, RenderJob, RenderSettings, SampleFormat,
};

/// Arguments of `scserver render`.
#[derive(Args)]
pub struct RenderArgs {
    /// The command file: size-prefixed OSC bundles in time order (sclang's `Score.write`,
    /// supriya's `Score`, or `scserver::Score::to_bytes`).
    score: PathBuf,
    /// The sound file to write.
    output: PathBuf,
    /// A sound file that plays on the input buses.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Frames per second.
    #[arg(long, default_value_t = 48_000)]
    sample_rate: u32,
    /// The file's container; by default the one its extension names, else wav.
    #[arg(long)]
    header: Option<HeaderFormat>,
    /// How samples are stored.
    #[arg(long, default_value_t = SampleFormat::Float)]
    sample_format: SampleFormat,
    /// Output channels (the output file's).
    #[arg(long, default_value_t = 2)]
    channels: u32,
    /// Input channels (the input file's); 2 with --input, else 0.
    #[arg(long)]
    input_channels: Option<u32>,
    /// Samples per control block.
    #[arg(long, default_value_t = 64)]
    block_size: u32,
    /// Hide the progress bar.
    #[arg(long, short)]
    quiet: bool,
}

impl RenderArgs {
    fn job(self) -> RenderJob {
        let header = self.header.unwrap_or_else(|| {
            self.output
                .extension()
                .and_then(|e| e.to_str()?.parse().ok())
                .unwrap_or_default()
        });
        let input_channels =
            self.input_channels
                .unwrap_or(if self.input.is_some() { 2 } else { 0 });
        RenderJob {
            input: self.input,
            settings: RenderSettings {
                sample_rate: self.sample_rate,
                header_format: header,
                sample_format: self.sample_format,
            },
            options: Options {
                output_bus_channel_count: self.channels,
                input_bus_channel_count: input_channels,
                block_size: self.block_size,
                ..Options::default()
            },
            ..RenderJob::new(Commands::File(self.score), self.output)
        }
    }
}

/// Renders, showing progress on stderr; Ctrl-C cancels (scsynth is stopped).
pub fn render(args: RenderArgs) -> ExitCode {
    let quiet = args.quiet;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    let result = runtime.block_on(async move {
        let render = Render::start(args.job())?;
        let duration = render.duration();
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new((duration * 1000.0).round() as u64)
        };
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {msg} [{elapsed_precise}, {eta} left]")
                .expect("a valid progress template"),
        );
        let canceller = render.canceller();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                canceller.cancel();
            }
        });
        // Failures reach the log as they happen and end the render with the first one.
        let result = render
            .run(|event| {
                if let RenderEvent::Progress { seconds, duration } = event {
                    bar.set_position((seconds * 1000.0).round() as u64);
                    bar.set_message(format!("{seconds:.1} / {duration:.1} s"));
                }
            })
            .await;
        bar.finish_and_clear();
        result
    });
    match result {
        Ok(report) => {
            let speed = report.duration / report.elapsed.as_secs_f64().max(1e-9);
            println!(
                "{}: {:.3} s rendered in {:.3} s ({speed:.0}× realtime)",
                report.output.display(),
                report.duration,
                report.elapsed.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("scserver: {e}");
            ExitCode::FAILURE
        }
    }
}
