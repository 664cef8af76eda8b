//! Argument checks for what scsynth ignores, mishandles or crashes on.
//!
//! scsynth answers many bad arguments with silence: `/b_alloc` with no frames or channels sends
//! neither `/done` nor `/fail`, a negative `/n_fill` count or an unknown control index does
//! nothing, and a buffer number past its buffer count aliases buffer 0 (`/b_alloc 5000` allocates
//! buffer 0 and answers `/done /b_alloc 5000`) or, at exactly the count, crashes the server. A
//! client that sends them waits for a reply that never comes, then blames the server. These
//! rules refuse such arguments before anything is sent, naming the argument, its value and what
//! is allowed.

use std::fmt;

use crate::command::{AddAction, Command, Control, Value};
use crate::options::Options;

/// An argument the client refuses to send, because scsynth would ignore or mishandle it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid argument to {command}: {argument} = {value}; allowed: {allowed}")]
pub struct InvalidArgument {
    /// The command (`/b_alloc`) or method (`at`) that was given it.
    pub command: String,
    /// The argument's name.
    pub argument: &'static str,
    /// The value given.
    pub value: String,
    /// What the argument may be.
    pub allowed: String,
}

impl InvalidArgument {
    pub(crate) fn new(
        command: &str,
        argument: &'static str,
        value: impl fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        InvalidArgument {
            command: command.to_owned(),
            argument,
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// The sizes a server was booted with, which bound buffer numbers and bus indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Buffers (`-b`).
    pub buffers: i32,
    /// Audio bus channels (`-a`).
    pub audio_buses: i32,
    /// Control bus channels (`-c`).
    pub control_buses: i32,
}

impl Limits {
    /// The limits of a server started with `options`.
    pub fn of(options: &Options) -> Limits {
        let clamp = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        Limits {
            buffers: clamp(options.buffer_count),
            audio_buses: clamp(options.audio_bus_channel_count),
            control_buses: clamp(options.control_bus_channel_count),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::of(&Options::default())
    }
}

/// `value` when it is at least `min`.
pub fn at_least(
    command: &str,
    argument: &'static str,
    value: i32,
    min: i32,
) -> Result<(), InvalidArgument> {
    if value >= min {
        Ok(())
    } else {
        Err(InvalidArgument::new(
            command,
            argument,
            value,
            format!("at least {min}"),
        ))
    }
}

/// A time in Unix seconds: finite and not before 1970.
pub fn unix_time(
    command: &str,
    argument: &'static str,
    seconds: f64,
) -> Result<(), InvalidArgument> {
    if seconds.is_finite() && seconds >= 0.0 {
        Ok(())
    } else {
        Err(InvalidArgument::new(
            command,
            argument,
            seconds,
            "a finite number of seconds since the Unix epoch, at least 0",
        ))
    }
}

/// Checks every argument of `command` (and of its completion commands) that the client can
/// check, against a server with `limits`.
pub fn command(command: &Command, limits: &Limits) -> Result<(), InvalidArgument> {
    Check {
        command: command.address(),
        limits,
    }
    .run(command)
}

/// The checks of one command, which name it in their errors.
struct Check<'a> {
    command: &'static str,
    limits: &'a Limits,
}

impl Check<'_> {
    fn run(&self, command: &Command) -> Result<(), InvalidArgument> {
        match command {
            Command::DumpOsc { mode } => self.within("mode", *mode, 0, 3),
            Command::Error { mode } => self.within("mode", *mode, -2, 1),
            Command::DRecv { completion, .. }
            | Command::DLoad { completion, .. }
            | Command::DLoadDir { completion, .. } => completions(completion, self.limits),
            Command::NSet { controls, .. } => controls.iter().try_for_each(|(c, v)| {
                self.control(c)?;
                self.mapping(v)
            }),
            Command::NSetn { ranges, .. } => ranges.iter().try_for_each(|(c, _)| self.control(c)),
            Command::NFill { ranges, .. } => ranges.iter().try_for_each(|(c, count, _)| {
                self.control(c)?;
                self.count(*count)
            }),
            Command::NMap { maps, .. } => maps
                .iter()
                .try_for_each(|(c, bus)| self.mapped(c, *bus, 1, self.limits.control_buses)),
            Command::NMapa { maps, .. } => maps
                .iter()
                .try_for_each(|(c, bus)| self.mapped(c, *bus, 1, self.limits.audio_buses)),
            Command::NMapn { maps, .. } => maps.iter().try_for_each(|(c, bus, count)| {
                self.mapped(c, *bus, *count, self.limits.control_buses)
            }),
            Command::NMapan { maps, .. } => maps.iter().try_for_each(|(c, bus, count)| {
                self.mapped(c, *bus, *count, self.limits.audio_buses)
            }),
            Command::SNew {
                node_id, controls, ..
            } => {
                self.new_node(*node_id)?;
                controls.iter().try_for_each(|(c, v)| {
                    self.control(c)?;
                    self.mapping(v)
                })
            }
            Command::SGet { controls, .. } => controls.iter().try_for_each(|c| self.control(c)),
            Command::SGetn { ranges, .. } => ranges.iter().try_for_each(|(c, count)| {
                self.control(c)?;
                self.count(*count)
            }),
            Command::GNew { groups } | Command::PNew { groups } => {
                groups.iter().try_for_each(|(id, _, _)| self.new_node(*id))
            }
            Command::GHead { pairs } | Command::GTail { pairs } => {
                pairs.iter().try_for_each(|(group, _)| self.group(*group))
            }
            Command::GFreeAll { group_ids } | Command::GDeepFree { group_ids } => {
                group_ids.iter().try_for_each(|group| self.group(*group))
            }
            Command::GDumpTree { groups } | Command::GQueryTree { groups } => {
                groups.iter().try_for_each(|(group, _)| self.group(*group))
            }
            Command::BAlloc {
                buffer_id,
                frames,
                channels,
                completion,
            } => {
                self.buffer(*buffer_id)?;
                at_least(self.command, "frames", *frames, 1)?;
                at_least(self.command, "channels", *channels, 1)?;
                // scsynth multiplies them in an int: a product past i32 fails its allocation
                // without a reply.
                if i64::from(*frames) * i64::from(*channels) > i64::from(i32::MAX) {
                    return Err(InvalidArgument::new(
                        self.command,
                        "frames × channels",
                        format!("{frames} × {channels}"),
                        format!("at most {} samples", i32::MAX),
                    ));
                }
                completions(completion, self.limits)
            }
            Command::BAllocRead {
                buffer_id,
                start_frame,
                frames,
                completion,
                ..
            } => self.alloc_read(*buffer_id, *start_frame, *frames, completion),
            Command::BAllocReadChannel {
                buffer_id,
                start_frame,
                frames,
                channels,
                completion,
                ..
            } => {
                self.file_channels(channels)?;
                self.alloc_read(*buffer_id, *start_frame, *frames, completion)
            }
            Command::BRead {
                buffer_id,
                file_start,
                frames,
                buffer_start,
                completion,
                ..
            } => self.read(*buffer_id, *file_start, *frames, *buffer_start, completion),
            Command::BReadChannel {
                buffer_id,
                file_start,
                frames,
                buffer_start,
                channels,
                completion,
                ..
            } => {
                self.file_channels(channels)?;
                self.read(*buffer_id, *file_start, *frames, *buffer_start, completion)
            }
            Command::BWrite {
                buffer_id,
                frames,
                start_frame,
                completion,
                ..
            } => {
                self.buffer(*buffer_id)?;
                self.frames_or_all(*frames, -1)?;
                at_least(self.command, "start_frame", *start_frame, 0)?;
                completions(completion, self.limits)
            }
            Command::BFree {
                buffer_id,
                completion,
            }
            | Command::BZero {
                buffer_id,
                completion,
            }
            | Command::BClose {
                buffer_id,
                completion,
            } => {
                self.buffer(*buffer_id)?;
                completions(completion, self.limits)
            }
            Command::BSet { buffer_id, values } => {
                self.buffer(*buffer_id)?;
                values.iter().try_for_each(|(i, _)| self.sample(*i))
            }
            Command::BSetn { buffer_id, ranges } => {
                self.buffer(*buffer_id)?;
                ranges.iter().try_for_each(|(i, _)| self.sample(*i))
            }
            Command::BFill { buffer_id, ranges } => {
                self.buffer(*buffer_id)?;
                ranges.iter().try_for_each(|(i, count, _)| {
                    self.sample(*i)?;
                    self.count(*count)
                })
            }
            Command::BGen {
                buffer_id,
                command,
                args,
            } => {
                self.buffer(*buffer_id)?;
                if command == "copy" {
                    self.copy(args)?;
                }
                Ok(())
            }
            Command::NOrder { add_action, .. } if *add_action == AddAction::Replace => {
                Err(InvalidArgument::new(
                    self.command,
                    "add_action",
                    format!("{add_action:?}"),
                    "AddToHead, AddToTail, AddBefore or AddAfter (scsynth cannot replace \
                     several nodes)",
                ))
            }
            Command::BQuery { buffer_ids } => buffer_ids.iter().try_for_each(|b| self.buffer(*b)),
            Command::BGet { buffer_id, indices } => {
                self.buffer(*buffer_id)?;
                indices.iter().try_for_each(|i| self.sample(*i))
            }
            Command::BGetn { buffer_id, ranges } => {
                self.buffer(*buffer_id)?;
                ranges.iter().try_for_each(|(i, count)| {
                    self.sample(*i)?;
                    self.count(*count)
                })
            }
            Command::CSet { values } => values.iter().try_for_each(|(bus, _)| self.buses(*bus, 1)),
            Command::CSetn { ranges } => ranges.iter().try_for_each(|(bus, values)| {
                self.buses(*bus, i32::try_from(values.len()).unwrap_or(i32::MAX))
            }),
            Command::CFill { ranges } => ranges.iter().try_for_each(|(bus, count, _)| {
                self.count(*count)?;
                self.buses(*bus, *count)
            }),
            Command::CGet { bus_ids } => bus_ids.iter().try_for_each(|bus| self.buses(*bus, 1)),
            Command::CGetn { ranges } => ranges.iter().try_for_each(|(bus, count)| {
                self.count(*count)?;
                self.buses(*bus, *count)
            }),
            // Node ids of existing nodes may be negative (`/s_noid`); scsynth answers unknown ones
            // with a /fail, and the remaining commands take no argument it would ignore.
            Command::Notify { .. }
            | Command::Status
            | Command::Version
            | Command::Sync { .. }
            | Command::Quit
            | Command::ClearSched
            | Command::DFree { .. }
            | Command::DFreeAll
            | Command::NFree { .. }
            | Command::NRun { .. }
            | Command::NBefore { .. }
            | Command::NAfter { .. }
            | Command::NQuery { .. }
            | Command::NOrder { .. }
            | Command::NTrace { .. }
            | Command::SNoid { .. } => Ok(()),
        }
    }

    fn within(
        &self,
        argument: &'static str,
        value: i32,
        min: i32,
        max: i32,
    ) -> Result<(), InvalidArgument> {
        if (min..=max).contains(&value) {
            Ok(())
        } else {
            Err(InvalidArgument::new(
                self.command,
                argument,
                value,
                format!("{min} to {max}"),
            ))
        }
    }

    /// A buffer number: beyond the server's count scsynth aliases buffer 0 or crashes.
    fn buffer(&self, buffer_id: i32) -> Result<(), InvalidArgument> {
        if (0..self.limits.buffers).contains(&buffer_id) {
            Ok(())
        } else {
            Err(InvalidArgument::new(
                self.command,
                "buffer_id",
                buffer_id,
                format!(
                    "0 to {} (the server's buffer_count is {})",
                    self.limits.buffers - 1,
                    self.limits.buffers
                ),
            ))
        }
    }

    /// `/b_gen … copy target_frame source source_frame frames`: a source buffer past the count
    /// aliases buffer 0 as any buffer number does.
    fn copy(&self, args: &[Value]) -> Result<(), InvalidArgument> {
        let int = |i: usize| match args.get(i) {
            Some(Value::Int(v)) => Some(*v),
            _ => None,
        };
        if let Some(frame) = int(0) {
            at_least(self.command, "target_frame", frame, 0)?;
        }
        if let Some(source) = int(1) {
            self.buffer(source)?;
        }
        if let Some(frame) = int(2) {
            at_least(self.command, "source_frame", frame, 0)?;
        }
        match int(3) {
            Some(frames) => self.frames_or_all(frames, -1),
            None => Ok(()),
        }
    }

    /// A sample index into a buffer (its upper bound is the buffer's size, known to the server).
    fn sample(&self, index: i32) -> Result<(), InvalidArgument> {
        at_least(self.command, "index", index, 0)
    }

    /// The count of a range: scsynth ignores a negative one and answers some with malformed
    /// replies.
    fn count(&self, count: i32) -> Result<(), InvalidArgument> {
        at_least(self.command, "count", count, 1)
    }

    /// A frame count where `all` (0 or -1, by command) means the whole file or buffer.
    fn frames_or_all(&self, frames: i32, all: i32) -> Result<(), InvalidArgument> {
        if frames >= all {
            return Ok(());
        }
        Err(InvalidArgument::new(
            self.command,
            "frames",
            frames,
            format!("at least 1, or {all} for all"),
        ))
    }

    /// `/b_allocRead*`: `frames` 0 reads the whole file.
    fn alloc_read(
        &self,
        buffer_id: i32,
        start_frame: i32,
        frames: i32,
        completion: &[Command],
    ) -> Result<(), InvalidArgument> {
        self.buffer(buffer_id)?;
        at_least(self.command, "start_frame", start_frame, 0)?;
        self.frames_or_all(frames, 0)?;
        completions(completion, self.limits)
    }

    /// `/b_read*`: `frames` -1 reads the whole file.
    fn read(
        &self,
        buffer_id: i32,
        file_start: i32,
        frames: i32,
        buffer_start: i32,
        completion: &[Command],
    ) -> Result<(), InvalidArgument> {
        self.buffer(buffer_id)?;
        at_least(self.command, "file_start", file_start, 0)?;
        self.frames_or_all(frames, -1)?;
        at_least(self.command, "buffer_start", buffer_start, 0)?;
        completions(completion, self.limits)
    }

    /// Channels of a sound file: scsynth reads a negative index from outside the file's frame.
    fn file_channels(&self, channels: &[i32]) -> Result<(), InvalidArgument> {
        channels
            .iter()
            .try_for_each(|c| at_least(self.command, "channel", *c, 0))
    }

    /// A control index (names are checked by the server, which ignores unknown ones).
    fn control(&self, control: &Control) -> Result<(), InvalidArgument> {
        match control {
            Control::Index(i) => at_least(self.command, "control", *i, 0),
            Control::Name(_) => Ok(()),
        }
    }

    /// A bus mapping given as a control value (`c3`, `a16`).
    fn mapping(&self, value: &Value) -> Result<(), InvalidArgument> {
        let Value::Bus(mapping) = value else {
            return Ok(());
        };
        let limit = match mapping.chars().next() {
            Some('c') => self.limits.control_buses,
            Some('a') => self.limits.audio_buses,
            _ => return Ok(()),
        };
        match mapping[1..].parse::<i32>() {
            Ok(bus) if (0..limit).contains(&bus) => Ok(()),
            Ok(_) => Err(InvalidArgument::new(
                self.command,
                "bus mapping",
                mapping,
                format!("a bus index from 0 to {}", limit - 1),
            )),
            Err(_) => Ok(()),
        }
    }

    /// `count` buses from `bus` mapped to `control`; bus -1 unmaps.
    fn mapped(
        &self,
        control: &Control,
        bus: i32,
        count: i32,
        limit: i32,
    ) -> Result<(), InvalidArgument> {
        self.control(control)?;
        self.count(count)?;
        if bus == -1 {
            return Ok(());
        }
        self.bus_range(bus, count, limit, "-1 (unmap) or ")
    }

    /// `count` control buses from `bus`.
    fn buses(&self, bus: i32, count: i32) -> Result<(), InvalidArgument> {
        self.bus_range(bus, count, self.limits.control_buses, "")
    }

    fn bus_range(
        &self,
        bus: i32,
        count: i32,
        limit: i32,
        also: &str,
    ) -> Result<(), InvalidArgument> {
        if bus >= 0 && i64::from(bus) + i64::from(count) <= i64::from(limit) {
            return Ok(());
        }
        let allowed = if count == 1 {
            format!("{also}0 to {} (the server has {limit} buses)", limit - 1)
        } else {
            format!(
                "{also}0 to {} for {count} buses (the server has {limit})",
                limit - count
            )
        };
        Err(InvalidArgument::new(self.command, "bus", bus, allowed))
    }

    /// The id of a new node: below -1 ids are reserved (-1 asks scsynth to pick one).
    fn new_node(&self, node_id: i32) -> Result<(), InvalidArgument> {
        at_least(self.command, "node_id", node_id, -1)
    }

    /// A group: only synths have negative ids (`/s_noid`), and scsynth ignores a negative group.
    fn group(&self, group: i32) -> Result<(), InvalidArgument> {
        at_least(self.command, "group", group, 0)
    }
}

/// Checks completion commands, which name themselves in their errors.
fn completions(completion: &[Command], limits: &Limits) -> Result<(), InvalidArgument> {
    completion.iter().try_for_each(|c| command(c, limits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(c: Command) -> Result<(), InvalidArgument> {
        command(&c, &Limits::default())
    }

    fn refused(c: Command, argument: &str) -> InvalidArgument {
        let error = check(c).expect_err("refused");
        assert_eq!(error.argument, argument, "{error}");
        error
    }

    fn b_alloc(frames: i32, channels: i32) -> Command {
        Command::BAlloc {
            buffer_id: 0,
            frames,
            channels,
            completion: vec![],
        }
    }

    #[test]
    fn b_alloc_needs_frames_and_channels() {
        assert_eq!(check(b_alloc(1, 1)), Ok(()));
        let error = refused(b_alloc(0, 1), "frames");
        assert_eq!(error.command, "/b_alloc");
        assert_eq!(error.value, "0");
        assert_eq!(error.allowed, "at least 1");
        assert_eq!(
            error.to_string(),
            "invalid argument to /b_alloc: frames = 0; allowed: at least 1"
        );
        refused(b_alloc(-5, 1), "frames");
        refused(b_alloc(100, 0), "channels");
        refused(b_alloc(100, -1), "channels");
    }

    #[test]
    fn b_alloc_samples_fit_scsynths_int() {
        assert_eq!(check(b_alloc(i32::MAX, 1)), Ok(()));
        refused(b_alloc(1 << 29, 8), "frames × channels");
    }

    #[test]
    fn buffer_numbers_stay_below_the_buffer_count() {
        let limits = Limits {
            buffers: 1024,
            ..Limits::default()
        };
        let alloc = |buffer_id| Command::BAlloc {
            buffer_id,
            frames: 8,
            channels: 1,
            completion: vec![],
        };
        assert_eq!(command(&alloc(1023), &limits), Ok(()));
        let error = command(&alloc(1024), &limits).unwrap_err();
        assert_eq!(error.argument, "buffer_id");
        assert_eq!(
            error.allowed,
            "0 to 1023 (the server's buffer_count is 1024)"
        );
        assert!(command(&alloc(-1), &limits).is_err());
        for c in [
            Command::BQuery {
                buffer_ids: vec![0, 1024],
            },
            Command::BFree {
                buffer_id: 5000,
                completion: vec![],
            },
            Command::BZero {
                buffer_id: -1,
                completion: vec![],
            },
            Command::BClose {
                buffer_id: 1024,
                completion: vec![],
            },
            Command::BGen {
                buffer_id: 1024,
                command: "sine1".into(),
                args: vec![],
            },
            Command::BGet {
                buffer_id: 1024,
                indices: vec![0],
            },
        ] {
            assert_eq!(command(&c, &limits).unwrap_err().argument, "buffer_id");
        }
    }

    #[test]
    fn sample_indices_and_counts_are_not_negative() {
        let getn = |index, count| Command::BGetn {
            buffer_id: 0,
            ranges: vec![(index, count)],
        };
        assert_eq!(check(getn(0, 1)), Ok(()));
        refused(getn(-5, 3), "index");
        refused(getn(0, -3), "count");
        refused(getn(0, 0), "count");
        refused(
            Command::BSet {
                buffer_id: 0,
                values: vec![(-1, 0.5)],
            },
            "index",
        );
        refused(
            Command::BGet {
                buffer_id: 0,
                indices: vec![3, -1],
            },
            "index",
        );
        refused(
            Command::BSetn {
                buffer_id: 0,
                ranges: vec![(-1, vec![0.0])],
            },
            "index",
        );
        refused(
            Command::BFill {
                buffer_id: 0,
                ranges: vec![(0, -10, 0.3)],
            },
            "count",
        );
    }

    #[test]
    fn file_reads_and_writes_start_inside_the_file_and_buffer() {
        let read = |start_frame, frames| Command::BAllocRead {
            buffer_id: 0,
            path: "a.wav".into(),
            start_frame,
            frames,
            completion: vec![],
        };
        assert_eq!(check(read(0, 0)), Ok(()));
        refused(read(-10, 0), "start_frame");
        refused(read(0, -10), "frames");
        refused(
            Command::BAllocReadChannel {
                buffer_id: 0,
                path: "a.wav".into(),
                start_frame: 0,
                frames: 0,
                channels: vec![0, -1],
                completion: vec![],
            },
            "channel",
        );
        let b_read = |file_start, frames, buffer_start| Command::BRead {
            buffer_id: 0,
            path: "a.wav".into(),
            file_start,
            frames,
            buffer_start,
            leave_open: false,
            completion: vec![],
        };
        assert_eq!(check(b_read(0, -1, 0)), Ok(()));
        refused(b_read(-5, -1, 0), "file_start");
        refused(b_read(0, -7, 0), "frames");
        refused(b_read(0, -1, -50), "buffer_start");
        let write = |frames, start_frame| Command::BWrite {
            buffer_id: 0,
            path: "a.wav".into(),
            header_format: "wav".into(),
            sample_format: "float".into(),
            frames,
            start_frame,
            leave_open: false,
            completion: vec![],
        };
        assert_eq!(check(write(-1, 0)), Ok(()));
        refused(write(-5, 0), "frames");
        refused(write(-1, -20), "start_frame");
    }

    #[test]
    fn control_buses_stay_inside_the_servers_count() {
        let limits = Limits {
            control_buses: 16384,
            ..Limits::default()
        };
        let getn = |bus, count| Command::CGetn {
            ranges: vec![(bus, count)],
        };
        assert_eq!(command(&getn(16374, 10), &limits), Ok(()));
        assert_eq!(
            command(&getn(16380, 10), &limits).unwrap_err().argument,
            "bus"
        );
        assert_eq!(
            command(&getn(0, -2), &limits).unwrap_err().argument,
            "count"
        );
        let fill = Command::CFill {
            ranges: vec![(0, -4, 1.0)],
        };
        assert_eq!(command(&fill, &limits).unwrap_err().argument, "count");
        let set = Command::CSet {
            values: vec![(16384, 0.5)],
        };
        assert_eq!(command(&set, &limits).unwrap_err().argument, "bus");
        let get = Command::CGet { bus_ids: vec![-1] };
        assert_eq!(command(&get, &limits).unwrap_err().argument, "bus");
        let setn = Command::CSetn {
            ranges: vec![(16380, vec![0.0; 10])],
        };
        assert_eq!(command(&setn, &limits).unwrap_err().argument, "bus");
    }

    #[test]
    fn node_controls_and_mappings_are_checkable_ones() {
        refused(
            Command::NSet {
                node_id: 1000,
                controls: vec![(Control::Index(-1), Value::Float(0.0))],
            },
            "control",
        );
        refused(
            Command::NFill {
                node_id: 1000,
                ranges: vec![(Control::Index(0), -2, 0.0)],
            },
            "count",
        );
        refused(
            Command::SGetn {
                node_id: 1000,
                ranges: vec![(Control::Name("freq".into()), -1)],
            },
            "count",
        );
        refused(
            Command::SGet {
                node_id: 1000,
                controls: vec![Control::Index(-1)],
            },
            "control",
        );
        let map = |bus| Command::NMap {
            node_id: 1000,
            maps: vec![(Control::Index(0), bus)],
        };
        assert_eq!(check(map(-1)), Ok(()), "-1 unmaps");
        assert_eq!(check(map(0)), Ok(()));
        refused(map(-5), "bus");
        refused(map(1 << 20), "bus");
        refused(
            Command::NMapan {
                node_id: 1000,
                maps: vec![(Control::Index(0), 0, -3)],
            },
            "count",
        );
        let s_new = |node_id, value: Value| Command::SNew {
            synthdef: "sine".into(),
            node_id,
            add_action: AddAction::AddToHead,
            target: 1,
            controls: vec![(Control::Name("in".into()), value)],
        };
        assert_eq!(check(s_new(1000, Value::control_bus(3))), Ok(()));
        assert_eq!(check(s_new(-1, Value::Float(0.5))), Ok(()));
        refused(s_new(-7, Value::Float(0.5)), "node_id");
        refused(s_new(1000, Value::audio_bus(1 << 20)), "bus mapping");
        refused(
            Command::GNew {
                groups: vec![(-5, AddAction::AddToHead, 0)],
            },
            "node_id",
        );
        refused(
            Command::GFreeAll {
                group_ids: vec![-1],
            },
            "group",
        );
    }

    #[test]
    fn completions_are_checked_and_named_by_their_own_command() {
        let c = Command::DRecv {
            data: vec![],
            completion: vec![b_alloc(0, 1)],
        };
        let error = refused(c, "frames");
        assert_eq!(error.command, "/b_alloc");
    }

    #[test]
    fn copies_read_a_buffer_the_server_has() {
        let copy = |source, frames| Command::BGen {
            buffer_id: 1,
            command: "copy".into(),
            args: vec![
                Value::Int(0),
                Value::Int(source),
                Value::Int(0),
                Value::Int(frames),
            ],
        };
        assert_eq!(check(copy(2, -1)), Ok(()));
        refused(copy(1 << 20, -1), "buffer_id");
        refused(copy(2, -4), "frames");
    }

    #[test]
    fn n_order_cannot_replace() {
        let order = |add_action| Command::NOrder {
            add_action,
            target: 1,
            node_ids: vec![1000, 1001],
        };
        assert_eq!(check(order(AddAction::AddAfter)), Ok(()));
        refused(order(AddAction::Replace), "add_action");
    }

    #[test]
    fn modes_are_the_ones_scsynth_knows() {
        assert_eq!(check(Command::DumpOsc { mode: 3 }), Ok(()));
        refused(Command::DumpOsc { mode: 9 }, "mode");
        assert_eq!(check(Command::Error { mode: -2 }), Ok(()));
        refused(Command::Error { mode: 7 }, "mode");
    }

    #[test]
    fn times_are_finite_and_after_the_epoch() {
        assert_eq!(unix_time("at", "seconds", 1.0e9), Ok(()));
        assert_eq!(unix_time("at", "seconds", 0.0), Ok(()));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
            let error = unix_time("at", "seconds", bad).unwrap_err();
            assert_eq!((error.command.as_str(), error.argument), ("at", "seconds"));
        }
    }

    #[test]
    fn counts_are_positive() {
        assert_eq!(at_least("add_bus_group", "count", 1, 1), Ok(()));
        let error = at_least("add_bus_group", "count", 0, 1).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid argument to add_bus_group: count = 0; allowed: at least 1"
        );
    }
}
