//! A short piece, start to finish: a SynthDef written in Rust, a phrase of notes scheduled ahead
//! with `at()` (each note one timed bundle), and a clean quit once the last note has rung out.
//!
//! ```sh
//! cargo run --example melody            # port 57140; or give another: -- 57150
//! ```
//!
//! It boots its own scsynth (and a dummy JACK server when none runs; set `JACK_DEFAULT_SERVER`
//! to play through another) and prints each note as scsynth ends it.

use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use scserver::synthdef::ugens::{EnvGen, Out, Pan2, SinOsc};
use scserver::synthdef::{Env, SynthDefBuilder};
use scserver::{controls, Options, Pattern, Position, Server, SynthDef};

/// A struck sine: a 5 ms attack, a decay of `decay` seconds, panned; it frees itself at the end.
fn ping() -> SynthDef {
    let b = SynthDefBuilder::new("melody-ping");
    let (freq, amp, pan) = (b.kr("freq", 440.0), b.kr("amp", 0.1), b.kr("pan", 0.0));
    let decay = b.kr("decay", 0.5);
    let envelope = EnvGen::kr(&b)
        .envelope(Env::perc(0.005, decay, 1.0, -4.0))
        .done_action(2.0)
        .finish();
    let tone = SinOsc::ar(&b).frequency(freq).finish() * envelope * amp;
    Out::ar(&b)
        .source(Pan2::ar(&b).source(tone).position(pan).finish())
        .finish();
    b.build().expect("a valid graph")
}

/// MIDI note number to Hz.
fn hz(note: i32) -> f64 {
    440.0 * 2f64.powf(f64::from(note - 69) / 12.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = std::env::args().nth(1).map_or(Ok(57140), |p| p.parse())?;
    let server = Server::with_name(
        "melody",
        Options {
            port,
            start_jack: true,
            ..Options::default()
        },
    );
    server.boot()?;
    server.add_synthdefs(&[ping()])?;
    let group = server.add_group(Position::default())?;

    // scsynth reports each node that ends: the notes, as their envelopes finish.
    let (ended, ends) = mpsc::channel();
    let _ended = server.register_osc_callback(Pattern::new("/n_end"), move |message| {
        let _ = ended.send((message.args.first().cloned(), Instant::now()));
    });

    // A pentatonic phrase in eighth notes at 100 bpm, the last one held.
    let phrase = [60, 62, 64, 67, 69, 72, 69, 67, 64, 67, 62, 60];
    let step = 60.0 / 100.0 / 2.0;
    let (scheduled, start) = (
        Instant::now(),
        SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs_f64() + 0.25,
    );
    for (i, note) in phrase.iter().enumerate() {
        let last = i + 1 == phrase.len();
        // Each context is one bundle, stamped with its time plus the server's latency.
        let context = server.at(start + i as f64 * step)?;
        context.add_synth(
            "melody-ping",
            controls! {
                freq: hz(*note),
                amp: 0.15,
                pan: (i as f64 / phrase.len() as f64) * 1.2 - 0.6,
                decay: if last { 1.5 } else { 0.4 },
            },
            Position::tail(&group),
        )?;
        context.close()?;
    }
    println!("{} notes scheduled on port {port}", phrase.len());

    // The piece is over when every note has ended (bounded: scheduled time plus ring-out).
    let bound = Duration::from_secs_f64(phrase.len() as f64 * step + 5.0);
    for n in 1..=phrase.len() {
        let (node, at) = ends.recv_timeout(bound)?;
        let seconds = (at - scheduled).as_secs_f64();
        println!("note {n} ended at {seconds:.2} s (node {node:?})");
    }
    server.quit()?;
    server.exited(Duration::from_secs(5))?;
    println!("done: scsynth has quit");
    Ok(())
}
