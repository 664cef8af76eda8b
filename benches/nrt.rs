//! Non-realtime rendering: a 60-second score of 16 voices (`Saw → RLPF swept by an LFO → Pan2`),
//! rendered by `scserver::Render` and by a bare `scsynth -N` of the same command file, runs
//! interleaved, medians printed as JSON.
//!
//! ```sh
//! cargo bench --bench nrt            # 5 runs of each
//! cargo bench --bench nrt -- 9       # 9 runs of each
//! ```

use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use scserver::{AddAction, Command, Commands, Options, Render, RenderJob, RenderSettings, Score};
use scserver_synthdef::ugens::{Out, Pan2, Saw, SinOsc, RLPF};
use scserver_synthdef::SynthDefBuilder;
use serde_json::json;

const SECONDS: f64 = 60.0;
const VOICES: i32 = 16;
const CHANNELS: u32 = 2;

fn voice_def() -> Vec<u8> {
    let b = SynthDefBuilder::new("bench_voice");
    let (freq, pan) = (b.kr("freq", 110.0), b.kr("pan", 0.0));
    let sweep = SinOsc::kr(&b).frequency(0.3).finish() * 1500.0 + 2000.0;
    let saw = Saw::ar(&b).frequency(freq).finish();
    let filtered = RLPF::ar(&b)
        .source(saw)
        .frequency(sweep)
        .reciprocal_of_q(0.3)
        .finish()
        * 0.05;
    let stereo = Pan2::ar(&b).source(filtered).position(pan).finish();
    Out::ar(&b).bus(0.0).source(stereo).finish();
    b.build().expect("the voice SynthDef").compile()
}

fn score() -> Score {
    let mut score = Score::new();
    let define = Command::DRecv {
        data: voice_def(),
        completion: vec![],
    };
    score.add(0.0, define).expect("time 0");
    for voice in 0..VOICES {
        let node_id = score.allocate_node().expect("a node id");
        let controls = vec![
            ("freq".into(), (55.0 * f64::from(voice + 2)).into()),
            ("pan".into(), (f64::from(voice) / 7.5 - 1.0).into()),
        ];
        let start = Command::SNew {
            synthdef: "bench_voice".into(),
            node_id,
            add_action: AddAction::AddToTail,
            target: 0,
            controls,
        };
        score.add(0.0, start).expect("time 0");
    }
    score.set_duration(SECONDS).expect("a duration");
    score
}

fn bare(command_file: &Path, output: &Path, settings: &RenderSettings) -> Duration {
    let started = Instant::now();
    let status = Process::new("scsynth")
        .arg("-N")
        .arg(command_file)
        .arg("_")
        .arg(output)
        .args([
            settings.sample_rate.to_string(),
            settings.header_format.to_string(),
            settings.sample_format.to_string(),
            "-o".into(),
            CHANNELS.to_string(),
            "-i".into(),
            "0".into(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("scsynth runs");
    assert!(status.success(), "bare scsynth -N: {status}");
    started.elapsed()
}

fn ours(runtime: &tokio::runtime::Runtime, job: &RenderJob) -> Duration {
    let started = Instant::now();
    runtime
        .block_on(async { Render::start(job.clone())?.run(|_| {}).await })
        .expect("the render");
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64()
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    let dir = std::env::temp_dir().join(format!("scserver-nrt-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let settings = RenderSettings::default();
    let options = Options {
        output_bus_channel_count: CHANNELS,
        input_bus_channel_count: 0,
        ..Options::default()
    };
    let command_file = dir.join("score.osc");
    let bytes = score()
        .to_bytes(settings.sample_rate, options.block_size)
        .expect("the command file");
    std::fs::write(&command_file, bytes).expect("the command file written");
    let job = RenderJob {
        settings,
        options,
        ..RenderJob::new(Commands::File(command_file.clone()), dir.join("ours.wav"))
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");

    // One of each first, so both find the executable and plugins in the page cache.
    bare(&command_file, &dir.join("bare.wav"), &settings);
    ours(&runtime, &job);
    let (mut bare_times, mut our_times) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        bare_times.push(bare(&command_file, &dir.join("bare.wav"), &settings));
        our_times.push(ours(&runtime, &job));
    }
    let (bare_s, ours_s) = (median(bare_times), median(our_times));
    println!(
        "{}",
        json!({
            "score_seconds": SECONDS,
            "voices": VOICES,
            "runs": runs,
            "bare_scsynth_s": bare_s,
            "scserver_s": ours_s,
            "realtime_factor": SECONDS / ours_s,
            "overhead_percent": (ours_s / bare_s - 1.0) * 100.0,
        })
    );
    let _ = std::fs::remove_dir_all(&dir);
}
