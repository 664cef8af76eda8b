//! Non-realtime rendering against the real scsynth, checked by listening to the file it writes.

mod common;

use std::path::{Path, PathBuf};

use common::audio::{self, sine_def, Audio};
use scserver::{
    AddAction, Command, Commands, Options, Render, RenderError, RenderEvent, RenderJob,
    RenderSettings, Score, ScoreError,
};

fn synth(score: &mut Score, time: f64, synthdef: &str, controls: &[(&str, f32)]) -> i32 {
    let node_id = score.allocate_node().expect("a node id");
    score
        .add(
            time,
            Command::SNew {
                synthdef: synthdef.into(),
                node_id,
                add_action: AddAction::AddToHead,
                target: 0,
                controls: controls
                    .iter()
                    .map(|(name, value)| ((*name).into(), (*value).into()))
                    .collect(),
            },
        )
        .unwrap();
    node_id
}

fn define(score: &mut Score, data: Vec<u8>) {
    score
        .add(
            0.0,
            Command::DRecv {
                data,
                completion: vec![],
            },
        )
        .unwrap();
}

fn out_dir() -> PathBuf {
    audio::scratch_dir("render")
}

fn job(commands: Commands, output: &Path, channels: u32) -> RenderJob {
    RenderJob {
        options: Options {
            output_bus_channel_count: channels,
            input_bus_channel_count: 0,
            ..Options::default()
        },
        settings: RenderSettings {
            sample_rate: 48_000,
            ..RenderSettings::default()
        },
        ..RenderJob::new(commands, output)
    }
}

fn sine_score(seconds: f64) -> Score {
    let mut score = Score::new();
    define(&mut score, sine_def());
    synth(&mut score, 0.0, "test_sine", &[]);
    score.set_duration(seconds).unwrap();
    score
}

#[tokio::test]
async fn sine_renders_at_its_frequency_and_level_for_exactly_its_length() {
    common::init_tracing();
    let output = out_dir().join("sine.wav");
    let render = Render::start(job(Commands::Score(sine_score(2.0)), &output, 1)).unwrap();
    let mut progress = Vec::new();
    let report = render
        .run(|event| {
            if let RenderEvent::Progress { seconds, duration } = event {
                progress.push((seconds, duration));
            }
        })
        .await
        .unwrap();
    assert_eq!(report.output, output);

    let audio = Audio::read(&output);
    assert_eq!(audio.sample_rate, 48_000);
    assert_eq!(audio.channels.len(), 1);
    assert_eq!(audio.frames(), 96_000, "2 s at 48 kHz");
    let samples = &audio.channels[0];
    assert!(samples.iter().all(|s| s.is_finite()), "NaN or infinity");
    let frequency = audio::frequency(samples, audio.sample_rate);
    assert!((frequency - 440.0).abs() < 0.5, "frequency {frequency}");
    let rms = audio::rms(samples);
    let expected = 0.25 / 2f64.sqrt();
    assert!(
        (rms - expected).abs() < 0.01 * expected,
        "rms {rms}, expected {expected}"
    );
    // The closing bundle is read last and reports the end of the score.
    let (last, duration) = *progress.last().expect("progress events");
    assert_eq!(duration, 2.0);
    assert!((last - 2.0).abs() < 1e-3, "last progress {last}");
    assert!(progress.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[tokio::test]
async fn reference_synthdefs_render_non_silent_finite_audio() {
    common::init_tracing();
    let dir = out_dir().join("reference");
    std::fs::create_dir_all(&dir).unwrap();
    let mut names: Vec<PathBuf> = std::fs::read_dir(common::SYNTHDEFS)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "scsyndef"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no SynthDefs in {}", common::SYNTHDEFS);
    for path in names {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut score = Score::new();
        define(&mut score, std::fs::read(&path).unwrap());
        // What the reference SynthDefs read: buffer 0 (filled with a sine), a trigger control
        // and a tone on bus 8 (its synth runs first, at the head).
        define(&mut score, sine_def());
        score
            .add(
                0.0,
                Command::BAlloc {
                    buffer_id: 0,
                    frames: 4096,
                    channels: 1,
                    completion: vec![],
                },
            )
            .unwrap();
        score
            .add(
                0.0,
                Command::BGen {
                    buffer_id: 0,
                    command: "sine1".into(),
                    args: vec![7.into(), 1.0f32.into()],
                },
            )
            .unwrap();
        synth(&mut score, 0.0, &name, &[("t_trig", 1.0)]);
        synth(&mut score, 0.0, "test_sine", &[("out", 8.0)]);
        score.set_duration(1.0).unwrap();
        let output = dir.join(format!("{name}.wav"));
        Render::start(job(Commands::Score(score), &output, 2))
            .unwrap()
            .run(|_| {})
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let audio = Audio::read(&output);
        let all: Vec<f32> = audio.channels.concat();
        assert!(all.iter().all(|s| s.is_finite()), "{name}: NaN or infinity");
        assert!(audio::peak(&all) > 1e-3, "{name}: silent");
    }
}

#[tokio::test]
async fn a_missing_synthdef_is_a_typed_error() {
    let mut score = Score::new();
    synth(&mut score, 0.5, "no_such_def", &[]);
    score.set_duration(1.0).unwrap();
    let output = out_dir().join("missing.wav");
    let mut failures = Vec::new();
    let error = Render::start(job(Commands::Score(score), &output, 1))
        .unwrap()
        .run(|event| {
            if let RenderEvent::Failure(e) = event {
                failures.push(e);
            }
        })
        .await
        .unwrap_err();
    let RenderError::SynthDefNotFound { name, time } = &error else {
        panic!("unexpected {error:?}");
    };
    assert_eq!(name, "no_such_def");
    assert!((time - 0.5).abs() < 1e-6, "time {time}");
    assert_eq!(failures, vec![error.clone()]);
}

#[tokio::test]
async fn bad_files_are_typed_errors() {
    let dir = out_dir();
    // Not size-prefixed bundles: refused before scsynth starts.
    let junk = dir.join("junk.osc");
    std::fs::write(&junk, b"\0\0\0\x10abcdefghabcdefgh").unwrap();
    let error = Render::start(job(Commands::File(junk), &dir.join("j.wav"), 1)).unwrap_err();
    assert!(
        matches!(error, RenderError::Score(ScoreError::NotABundle { .. })),
        "{error:?}"
    );
    // A command file that does not exist.
    let missing = dir.join("missing.osc");
    let error =
        Render::start(job(Commands::File(missing.clone()), &dir.join("m.wav"), 1)).unwrap_err();
    assert_eq!(error, RenderError::CommandFile { path: missing });
    // An output directory that does not exist: scsynth aborts, and says why.
    let output = dir.join("no/such/dir/out.wav");
    let error = Render::start(job(Commands::Score(sine_score(0.1)), &output, 1))
        .unwrap()
        .run(|_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RenderError::OutputFile { path, .. } if *path == output),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_cancelled_render_leaves_no_process() {
    // An hour of sine with a bundle every second: cancelled at the first second.
    let mut score = sine_score(3600.0);
    for second in 1..3600 {
        score
            .add(
                f64::from(second),
                Command::CSet {
                    values: vec![(0, 0.0)],
                },
            )
            .unwrap();
    }
    let output = out_dir().join("cancelled.wav");
    let render = Render::start(job(Commands::Score(score), &output, 1)).unwrap();
    let pid = render.pid().expect("a running scsynth");
    let canceller = render.canceller();
    let error = render
        .run(|event| {
            if matches!(event, RenderEvent::Progress { seconds, .. } if seconds >= 1.0) {
                canceller.cancel();
            }
        })
        .await
        .unwrap_err();
    assert_eq!(error, RenderError::Cancelled { path: output });
    assert!(!common::alive(pid), "scsynth {pid} still runs");
}

#[test]
fn the_cli_renders_a_command_file() {
    let dir = out_dir();
    let score_file = dir.join("cli.osc");
    let bytes = sine_score(1.0).to_bytes(44_100, 64).unwrap();
    std::fs::write(&score_file, bytes).unwrap();
    let output = dir.join("cli.wav");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_scserver"))
        .args(["render", "--sample-rate", "44100", "--channels", "1"])
        .arg(&score_file)
        .arg(&output)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let audio = Audio::read(&output);
    assert_eq!(audio.sample_rate, 44_100);
    // 44,100 frames are 689.06 blocks: rounded up to 690 whole blocks.
    assert_eq!(audio.frames(), 690 * 64);
    let frequency = audio::frequency(&audio.channels[0], audio.sample_rate);
    assert!((frequency - 440.0).abs() < 0.5, "frequency {frequency}");

    let failed = std::process::Command::new(env!("CARGO_BIN_EXE_scserver"))
        .args(["render", "/nonexistent/score.osc"])
        .arg(&output)
        .output()
        .unwrap();
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("cannot open the command file /nonexistent/score.osc"),
        "{stderr}"
    );
}
