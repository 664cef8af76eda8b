//! Non-realtime rendering as data: the `scsynth -N` command line, and what each line scsynth
//! prints while rendering means.
//!
//! In non-realtime mode scsynth has no port and sends no replies, so its output is the only
//! report: `start time <seconds>` and then `nextOSCPacket <seconds>` each time it reads a bundle
//! (progress; a bundle runs after it is read), `FAILURE IN SERVER`
//! for a command that failed (it goes on rendering and exits 0), and one line before aborting on
//! a file it cannot open or read (exit status 134).

use std::path::Path;

use crate::options::Options;
use crate::soundfile::{HeaderFormat, SampleFormat};

/// The output file's format and rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderSettings {
    /// Frames per second of the output file.
    pub sample_rate: u32,
    /// The output file's container.
    pub header_format: HeaderFormat,
    /// The output file's sample format.
    pub sample_format: SampleFormat,
}

impl Default for RenderSettings {
    fn default() -> Self {
        RenderSettings {
            sample_rate: 48_000,
            header_format: HeaderFormat::Wav,
            sample_format: SampleFormat::Float,
        }
    }
}

/// The arguments after argv\[0\] for rendering `command_file` into `output`, reading `input`
/// (the hardware inputs' sound file) when given. The flags of `options` that apply outside
/// realtime follow the positional ones; `-o` and `-i` give the channel counts of both files.
pub fn render_args(
    command_file: &Path,
    input: Option<&Path>,
    output: &Path,
    settings: &RenderSettings,
    options: &Options,
    supernova: bool,
) -> Vec<String> {
    let path = |p: &Path| p.to_string_lossy().into_owned();
    let mut args = vec![
        "-N".to_owned(),
        path(command_file),
        input.map_or_else(|| "_".to_owned(), path),
        path(output),
        settings.sample_rate.to_string(),
        settings.header_format.to_string(),
        settings.sample_format.to_string(),
    ];
    args.extend(options.to_nrt_args(supernova));
    args
}

/// The meaning of one line of output of `scsynth -N`.
#[derive(Debug, Clone, PartialEq)]
pub enum NrtLine {
    /// scsynth has read the bundle at this time (seconds from the start): the bundles before it
    /// have run, and the audio up to it is being rendered. Failures printed next belong to it.
    Progress(f64),
    /// A command failed: `/s_new` named a SynthDef nobody defined.
    SynthDefNotFound(String),
    /// A command failed for another reason (scsynth's `FAILURE IN SERVER` line).
    CommandFailed {
        /// The command's address, e.g. `/b_allocRead`.
        command: String,
        /// scsynth's words.
        message: String,
    },
    /// scsynth cannot open a file and aborts.
    CannotOpen(NrtFile),
    /// The command file holds something other than size-prefixed OSC bundles; scsynth aborts.
    BadCommandFile(String),
    /// Anything else.
    Info,
}

/// Which file a render could not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NrtFile {
    /// The command file.
    Commands,
    /// The input sound file.
    Input,
    /// The output sound file (missing directory, or a format libsndfile cannot write).
    Output,
}

/// Classifies one line of `scsynth -N` output.
pub fn classify(line: &str) -> NrtLine {
    let line = line.trim();
    // `start time` names the first bundle, `nextOSCPacket` each one after it.
    if let Some(time) = line
        .strip_prefix("nextOSCPacket ")
        .or_else(|| line.strip_prefix("start time "))
    {
        if let Ok(time) = time.trim().parse() {
            return NrtLine::Progress(time);
        }
    }
    if let Some(name) = line
        .strip_prefix("*** ERROR: SynthDef ")
        .and_then(|rest| rest.strip_suffix(" not found"))
    {
        return NrtLine::SynthDefNotFound(name.to_owned());
    }
    if let Some(rest) = line.strip_prefix("FAILURE IN SERVER ") {
        let (command, message) = rest.split_once(' ').unwrap_or((rest, ""));
        if message == "SynthDef not found" {
            // Already reported by the `*** ERROR` line that names the SynthDef.
            return NrtLine::Info;
        }
        return NrtLine::CommandFailed {
            command: command.to_owned(),
            message: message.to_owned(),
        };
    }
    if let Some(which) = line
        .strip_prefix("Couldn't open non real time ")
        .and_then(|rest| rest.strip_suffix(" file."))
    {
        match which {
            "command" => return NrtLine::CannotOpen(NrtFile::Commands),
            "input" => return NrtLine::CannotOpen(NrtFile::Input),
            "output" => return NrtLine::CannotOpen(NrtFile::Output),
            _ => {}
        }
    }
    if line.starts_with("nextOSCPacket:") || line == "OSC packet not a bundle" {
        return NrtLine::BadCommandFile(line.to_owned());
    }
    NrtLine::Info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_put_the_positional_ones_first() {
        let options = Options {
            output_bus_channel_count: 2,
            input_bus_channel_count: 0,
            ..Options::default()
        };
        let settings = RenderSettings {
            sample_rate: 44_100,
            header_format: HeaderFormat::Aiff,
            sample_format: SampleFormat::Int24,
        };
        let args = render_args(
            Path::new("/tmp/score.osc"),
            None,
            Path::new("/tmp/out.aiff"),
            &settings,
            &options,
            false,
        );
        assert_eq!(
            args,
            [
                "-N",
                "/tmp/score.osc",
                "_",
                "/tmp/out.aiff",
                "44100",
                "aiff",
                "int24",
                "-i",
                "0",
                "-o",
                "2"
            ]
        );
    }

    #[test]
    fn classifies_what_scsynth_prints() {
        // Lines as scsynth 3.13 prints them in non-realtime mode.
        assert_eq!(classify("nextOSCPacket 2.5"), NrtLine::Progress(2.5));
        assert_eq!(
            classify("*** ERROR: SynthDef nosuch not found"),
            NrtLine::SynthDefNotFound("nosuch".into())
        );
        assert_eq!(
            classify("FAILURE IN SERVER /s_new SynthDef not found"),
            NrtLine::Info
        );
        assert_eq!(
            classify("FAILURE IN SERVER /b_allocRead File 'x.wav' could not be opened: no file"),
            NrtLine::CommandFailed {
                command: "/b_allocRead".into(),
                message: "File 'x.wav' could not be opened: no file".into()
            }
        );
        assert_eq!(
            classify("Couldn't open non real time command file."),
            NrtLine::CannotOpen(NrtFile::Commands)
        );
        assert_eq!(
            classify("Couldn't open non real time output file."),
            NrtLine::CannotOpen(NrtFile::Output)
        );
        assert_eq!(
            classify("nextOSCPacket: invalid read of OSC packet"),
            NrtLine::BadCommandFile("nextOSCPacket: invalid read of OSC packet".into())
        );
        assert_eq!(
            classify("OSC packet not a bundle"),
            NrtLine::BadCommandFile("OSC packet not a bundle".into())
        );
        assert_eq!(
            classify("*** ERROR: open directory failed '/root/x'"),
            NrtLine::Info
        );
        assert_eq!(classify("start time 0.5"), NrtLine::Progress(0.5));
    }
}
