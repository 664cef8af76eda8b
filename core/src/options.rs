//! Server options: what scsynth is told on its command line, plus scserver's own timing and
//! supervision settings, with validation and executable lookup.
//!
//! [`Options::to_args`] is the only place that turns options into scsynth flags, so what a server
//! was started with can always be reproduced from its `Options`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::ffi::OsStr;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use crate::jack::JackMode;

/// The environment variable consulted for the server executable when [`Options::executable`] is
/// unset.
pub const EXECUTABLE_ENV: &str = "SCSYNTH_PATH";

/// The largest node id within one client's 26-bit id space.
const MAX_LOCAL_NODE_ID: i32 = 0x03FF_FFFF;

/// scsynth's own default for `-l`; the flag is left out when the option equals it.
const SCSYNTH_DEFAULT_LOGINS: u32 = 64;

/// Client ids are 5 bits wide in node ids (`client_id << 26`), so at most 32 logins can be told apart.
const MAX_LOGINS: u32 = 32;

/// The OSC transport scsynth listens on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// UDP datagrams (`-u`).
    #[default]
    Udp,
    /// Length-prefixed TCP stream (`-t`).
    Tcp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Udp => "udp",
            Protocol::Tcp => "tcp",
        })
    }
}

/// What the supervisor does when a server dies without being asked to. The default is
/// `on-failure`: a supervisor is there to keep its servers up (as OTP's children are permanent
/// unless declared otherwise), yet leaves down a server its user quit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RestartPolicy {
    /// Never restart.
    Never,
    /// Restart after a crash, a hang or a failed boot, but not after a clean quit.
    #[default]
    OnFailure,
    /// Restart whenever the server stops, however it stopped.
    Always,
}

/// scsynth's output safety clip (`-s`): a positive amplitude, or no clipping at all.
///
/// In TOML it is a number (`safety_clip = 1.0`, `safety_clip = 2`) or infinity (`"inf"` or `inf`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SafetyClip {
    /// Clip output samples to `±value`.
    Value(f64),
    /// Do not clip.
    Infinite,
}

impl fmt::Display for SafetyClip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SafetyClip::Value(v) if v.is_infinite() && *v > 0.0 => f.write_str("inf"),
            SafetyClip::Value(v) => write!(f, "{v}"),
            SafetyClip::Infinite => f.write_str("inf"),
        }
    }
}

impl Serialize for SafetyClip {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SafetyClip::Value(v) => serializer.serialize_f64(*v),
            SafetyClip::Infinite => serializer.serialize_str("inf"),
        }
    }
}

impl<'de> Deserialize<'de> for SafetyClip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = SafetyClip;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a positive number or \"inf\"")
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<SafetyClip, E> {
                // TOML's bare `inf` arrives as a float.
                if v.is_infinite() && v > 0.0 {
                    Ok(SafetyClip::Infinite)
                } else {
                    Ok(SafetyClip::Value(v))
                }
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SafetyClip, E> {
                Ok(SafetyClip::Value(v as f64))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<SafetyClip, E> {
                Ok(SafetyClip::Value(v as f64))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SafetyClip, E> {
                if v.eq_ignore_ascii_case("inf") || v.eq_ignore_ascii_case("infinity") {
                    Ok(SafetyClip::Infinite)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

/// Everything needed to start (or connect to) one server and to supervise it.
///
/// The scsynth fields carry supriya's names and defaults; `to_args` turns them into flags. The rest
/// are scserver's own: timeouts, heartbeat, JACK and restart policy. Durations are written as
/// humantime strings in TOML (`"2s"`, `"500ms"`).
///
/// ```
/// use std::time::Duration;
/// use scserver_core::options::{Options, OptionsError, RestartPolicy};
///
/// let options = Options {
///     port: 57300,
///     maximum_logins: 4,
///     memory_size: 64 * 1024,
///     jack: scserver_core::JackMode::Shared,     // a dummy jackd when no JACK server runs
///     latency: Duration::from_millis(50),        // added to timed bundles
///     restart: RestartPolicy::OnFailure,         // what a supervisor does when it dies
///     ..Options::default()
/// };
/// options.validate()?;
/// let args = options.to_args(false);             // scsynth's command line
/// assert!(args.windows(2).any(|w| w == ["-u", "57300"]));
/// assert!(args.windows(2).any(|w| w == ["-m", "65536"]));
///
/// // Mistakes are typed errors that name the field, before anything starts.
/// let bad = Options { port: 0, ..Options::default() };
/// assert!(matches!(bad.validate(), Err(OptionsError::ZeroPort)));
/// # Ok::<(), OptionsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// The server executable (argv\[0\]); when unset it is looked up, see
    /// [`Options::executable_candidates`].
    pub executable: Option<PathBuf>,
    /// The address the server binds and the client sends to (`-B` unless 127.0.0.1).
    pub ip_address: IpAddr,
    /// The OSC port (`-u` or `-t`).
    pub port: u16,
    /// UDP or TCP.
    pub protocol: Protocol,
    /// The audio input device (`-H`).
    pub input_device: Option<String>,
    /// The audio output device (`-H`, second value when it differs from the input device).
    pub output_device: Option<String>,
    /// How many clients may register (`-l`); scsynth rounds it up to a power of two.
    pub maximum_logins: u32,
    /// The TCP session password (`-p`).
    pub password: Option<String>,
    /// The hardware sample rate (`-S`); the audio driver's when unset.
    pub sample_rate: Option<u32>,
    /// Whether to publish the server over Zeroconf/Rendezvous (`-R 0` when false).
    pub zero_configuration: bool,
    /// Audio bus channels, including the hardware inputs and outputs (`-a`).
    pub audio_bus_channel_count: u32,
    /// Samples per control period (`-z`).
    pub block_size: u32,
    /// Buffer slots (`-b`).
    pub buffer_count: u32,
    /// Control bus channels (`-c`).
    pub control_bus_channel_count: u32,
    /// The audio driver's period in frames (`-Z`).
    pub hardware_buffer_size: Option<u32>,
    /// Hardware input channels (`-i`).
    pub input_bus_channel_count: u32,
    /// Which input streams to enable (`-I`, macOS builds of scsynth only).
    pub input_stream_mask: String,
    /// Whether scsynth loads the SynthDefs in its default directory at start (`-D 0` when false).
    pub load_synthdefs: bool,
    /// The most nodes that can exist at once (`-n`).
    pub maximum_node_count: u32,
    /// The most SynthDefs that can be loaded at once (`-d`).
    pub maximum_synthdef_count: u32,
    /// Lock the real-time memory pool in RAM (`-L`).
    pub memory_locking: bool,
    /// Real-time memory pool in KiB (`-m`).
    pub memory_size: u32,
    /// Hardware output channels (`-o`).
    pub output_bus_channel_count: u32,
    /// Which output streams to enable (`-O`, macOS builds of scsynth only).
    pub output_stream_mask: String,
    /// Random number generators shared by UGens (`-r`).
    pub random_number_generator_count: u32,
    /// Confines file-accessing commands to this directory (`-P`).
    pub restricted_path: Option<PathBuf>,
    /// Output safety clip (`-s`).
    pub safety_clip: Option<SafetyClip>,
    /// DSP threads (`-T`), honoured by supernova only.
    pub threads: u32,
    /// UGen plugin directories (`-U`, joined with `:`); the standard locations are not searched
    /// when this is set.
    pub ugen_plugins_path: Option<Vec<PathBuf>>,
    /// scsynth's verbosity (`-V`); must not be negative, because below 0 scsynth stops printing
    /// the ready line that boot waits for.
    pub verbosity: i32,
    /// Wire buffers for connecting UGens (`-w`).
    pub wire_buffer_count: u32,
    /// The first temporary node id; ids below it are permanent ones (no flag).
    pub initial_node_id: i32,

    /// The longest wait for the ready line after spawning.
    #[serde(with = "humantime_serde")]
    pub boot_timeout: Duration,
    /// The bound on each stage of quitting: `/done /quit`, exit after it, exit after SIGTERM.
    #[serde(with = "humantime_serde")]
    pub quit_timeout: Duration,
    /// How long a request waits for its reply.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Added to the time of a timed bundle so it arrives before it is due.
    #[serde(with = "humantime_serde")]
    pub latency: Duration,
    /// Which JACK server scsynth plays through when none is running: none started (`running`,
    /// the default), one dummy server shared by the process (`shared`), or its own (`own`).
    /// Config files may still say `start_jack = true` for `own`.
    #[serde(alias = "start_jack")]
    pub jack: JackMode,
    /// Sample rate of a JACK server scserver starts.
    pub jack_sample_rate: u32,
    /// Period in frames of a JACK server scserver starts.
    pub jack_period: u32,
    /// Time between `/status` probes.
    #[serde(with = "humantime_serde")]
    pub heartbeat_interval: Duration,
    /// Consecutive unanswered probes after which the server counts as hung.
    pub heartbeat_misses: u32,
    /// When the supervisor restarts this server (`on-failure` unless set; a server that no
    /// supervisor runs ignores it).
    pub restart: RestartPolicy,
    /// The most restarts within `restart_window` before the supervisor gives up.
    pub max_restarts: u32,
    /// The sliding window in which `max_restarts` is counted.
    #[serde(with = "humantime_serde")]
    pub restart_window: Duration,
    /// The delay before the second restart inside `restart_window` (the first is immediate); it
    /// doubles for each further one.
    #[serde(with = "humantime_serde")]
    pub backoff_min: Duration,
    /// The longest restart delay.
    #[serde(with = "humantime_serde")]
    pub backoff_max: Duration,
    /// Warm standbys kept booted beside this server when it boots its own scsynth (0 or 1),
    /// supervised or not: a second scsynth with the same options on `standby_port`, holding the
    /// same SynthDefs, file buffers and default group, promoted in place of a server that crashes
    /// or hangs.
    pub standby: u32,
    /// The standby's port (`port + 1000` when unset). Server and standby take turns on the two
    /// ports: after a promotion the next standby boots on the port the failed server had.
    pub standby_port: Option<u16>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            executable: None,
            ip_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 57110,
            protocol: Protocol::Udp,
            input_device: None,
            output_device: None,
            maximum_logins: 1,
            password: None,
            sample_rate: None,
            zero_configuration: false,
            audio_bus_channel_count: 1024,
            block_size: 64,
            buffer_count: 1024,
            control_bus_channel_count: 16384,
            hardware_buffer_size: None,
            input_bus_channel_count: 8,
            input_stream_mask: String::new(),
            load_synthdefs: true,
            maximum_node_count: 1024,
            maximum_synthdef_count: 1024,
            memory_locking: false,
            memory_size: 8192,
            output_bus_channel_count: 8,
            output_stream_mask: String::new(),
            random_number_generator_count: 64,
            restricted_path: None,
            safety_clip: None,
            threads: 6,
            ugen_plugins_path: None,
            verbosity: 0,
            wire_buffer_count: 64,
            initial_node_id: 1000,

            boot_timeout: Duration::from_secs(10),
            quit_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(1),
            latency: Duration::from_millis(100),
            jack: JackMode::Running,
            jack_sample_rate: 48000,
            jack_period: 64,
            heartbeat_interval: Duration::from_millis(250),
            heartbeat_misses: 4,
            restart: RestartPolicy::OnFailure,
            max_restarts: 3,
            restart_window: Duration::from_secs(30),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            standby: 0,
            standby_port: None,
        }
    }
}

/// Why a set of [`Options`] cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// The hardware channels do not fit in the audio buses.
    #[error(
        "audio_bus_channel_count is {audio} but input_bus_channel_count + output_bus_channel_count \
         is {inputs} + {outputs}: raise audio_bus_channel_count or lower the channel counts"
    )]
    NotEnoughAudioBuses {
        /// `audio_bus_channel_count`.
        audio: u32,
        /// `input_bus_channel_count`.
        inputs: u32,
        /// `output_bus_channel_count`.
        outputs: u32,
    },
    /// `maximum_logins` is outside 1..=32.
    #[error(
        "maximum_logins is {0}: it must be between 1 and 32, because node ids hold the client id \
         in 5 bits"
    )]
    MaximumLogins(u32),
    /// Port 0 would let the OS pick a port the client cannot know.
    #[error("port is 0: choose a fixed port (scsynth's usual one is 57110)")]
    ZeroPort,
    /// A count or size that must be at least 1 is 0.
    #[error("{field} is 0: it must be at least 1")]
    Zero {
        /// The option's name.
        field: &'static str,
    },
    /// A duration that bounds a wait is zero.
    #[error("{field} is 0s: every wait needs a positive bound, e.g. \"1s\"")]
    ZeroDuration {
        /// The option's name.
        field: &'static str,
    },
    /// The restart backoff bounds are the wrong way round.
    #[error(
        "backoff_min ({min:?}) is longer than backoff_max ({max:?}): make backoff_min the shorter"
    )]
    BackoffOrder {
        /// `backoff_min`.
        min: Duration,
        /// `backoff_max`.
        max: Duration,
    },
    /// More than one standby, or a standby on the server's own port.
    #[error(
        "standby = {standby} with port {port} and standby_port {standby_port}: at most one \
         standby is kept, on a port of its own; use standby = 0 or 1 and another standby_port"
    )]
    Standby {
        /// `standby`.
        standby: u32,
        /// `port`.
        port: u16,
        /// The standby's port.
        standby_port: u16,
    },
    /// Negative verbosity hides the ready line that boot waits for.
    #[error(
        "verbosity is {0}: below 0 scsynth does not print its ready line and boot cannot \
         succeed; use 0 or more"
    )]
    NegativeVerbosity(i32),
    /// The first temporary node id leaves no room for the default groups below it, or for
    /// `maximum_node_count` temporary ids above it within 26 bits.
    #[error(
        "initial_node_id is {initial_node_id}: it must be between {min} and {max} (above \
         maximum_logins, the default groups' ids, and with room for maximum_node_count \
         temporary ids up to 67108863, the 26 bits of a node id)"
    )]
    InitialNodeId {
        /// `initial_node_id`.
        initial_node_id: i32,
        /// The smallest allowed value: `maximum_logins + 1`.
        min: i64,
        /// The largest allowed value: `67108864 - maximum_node_count`.
        max: i64,
    },
    /// An optional string was given but empty.
    #[error("{field} is an empty string: leave it out instead")]
    Empty {
        /// The option's name.
        field: &'static str,
    },
    /// scsynth's `-H` names the input device first, so an output device alone cannot be passed.
    #[error(
        "output_device is set without input_device: scsynth's -H takes the input device first; \
         set input_device too (to the same name for one duplex device)"
    )]
    OutputDeviceWithoutInput,
    /// A path that has to go on the command line is not valid UTF-8.
    #[error("{field} contains a path that is not valid UTF-8 ({path:?}): rename or move it")]
    NotUtf8 {
        /// The option's name.
        field: &'static str,
        /// The offending path, lossily converted.
        path: String,
    },
    /// A plugin directory contains the `:` that separates directories in `-U`.
    #[error(
        "ugen_plugins_path entry {0:?} contains ':', which separates entries in scsynth's -U: \
         use a path without ':'"
    )]
    PluginPathSeparator(String),
    /// The safety clip is not a positive amplitude.
    #[error("safety_clip is {0}: use a positive number, or \"inf\" for no clipping")]
    SafetyClip(f64),
}

impl OptionsError {
    /// The name of the option chiefly at fault, for pointing at it in a config file.
    pub fn field(&self) -> &'static str {
        match self {
            OptionsError::NotEnoughAudioBuses { .. } => "audio_bus_channel_count",
            OptionsError::MaximumLogins(_) => "maximum_logins",
            OptionsError::ZeroPort => "port",
            OptionsError::Zero { field }
            | OptionsError::ZeroDuration { field }
            | OptionsError::Empty { field }
            | OptionsError::NotUtf8 { field, .. } => field,
            OptionsError::BackoffOrder { .. } => "backoff_min",
            OptionsError::Standby { .. } => "standby",
            OptionsError::NegativeVerbosity(_) => "verbosity",
            OptionsError::InitialNodeId { .. } => "initial_node_id",
            OptionsError::OutputDeviceWithoutInput => "output_device",
            OptionsError::PluginPathSeparator(_) => "ugen_plugins_path",
            OptionsError::SafetyClip(_) => "safety_clip",
        }
    }
}

/// The size of supernova's UDP receive buffer: the longest datagram it reads whole.
pub const SUPERNOVA_UDP_PACKET: usize = 1 << 15;

/// Whether `executable` is supernova rather than scsynth, judged by its file stem.
pub fn is_supernova(executable: &Path) -> bool {
    executable.file_stem() == Some(OsStr::new("supernova"))
}

fn utf8_path(field: &'static str, path: &Path) -> Result<String, OptionsError> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| OptionsError::NotUtf8 {
            field,
            path: path.to_string_lossy().into_owned(),
        })
}

/// A deserializer that only records the field names a derived `Deserialize` asks for.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("only structs have field names"))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(serde::de::Error::custom("field names recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// Flags sorted by their text, each followed by its values.
fn flatten(mut flags: Vec<(&'static str, Vec<String>)>) -> Vec<String> {
    flags.sort_by(|a, b| a.0.cmp(b.0));
    flags
        .into_iter()
        .flat_map(|(name, values)| std::iter::once(name.to_owned()).chain(values))
        .collect()
}

impl Options {
    /// The port a standby of this server uses: `standby_port`, or `port + 1000` (`port - 1000`
    /// for ports above 64535).
    pub fn standby_port(&self) -> u16 {
        self.standby_port
            .unwrap_or_else(|| self.port.checked_add(1000).unwrap_or(self.port - 1000))
    }

    /// These options with the roles of `port` and `standby_port` swapped: the standby's after a
    /// promotion.
    pub fn swapped_ports(&self) -> Options {
        Options {
            port: self.standby_port(),
            standby_port: Some(self.port),
            ..self.clone()
        }
    }

    /// The names of all options as written in TOML, in declaration order.
    pub fn field_names() -> &'static [&'static str] {
        static NAMES: OnceLock<&'static [&'static str]> = OnceLock::new();
        NAMES.get_or_init(|| {
            let mut names: &'static [&'static str] = &[];
            // serde's derive hands the field list to `deserialize_struct`; nothing else exposes it.
            let _ = Options::deserialize(FieldNames(&mut names));
            names
        })
    }

    /// Whether these options name supernova as the server (see [`is_supernova`]); a client
    /// connecting to a server it does not own learns the server's kind from this too.
    pub fn is_supernova(&self) -> bool {
        self.executable.as_deref().is_some_and(is_supernova)
    }

    /// The largest packet the server reads whole. supernova 3.13 receives UDP into a 32 KiB
    /// buffer (`sc_osc_handler.hpp`, `recv_buffer_`), so a longer datagram arrives cut and is
    /// dropped; over TCP it reads any frame, as scsynth does.
    pub fn packet_limit(&self) -> usize {
        if self.is_supernova() && self.protocol == Protocol::Udp {
            SUPERNOVA_UDP_PACKET
        } else {
            crate::bundle::MAX_UDP_PACKET
        }
    }

    /// The command-line flags for these options, without argv\[0\].
    ///
    /// A flag appears only when its condition holds (mostly: the value differs from scsynth's own
    /// default), and flags are sorted by their ASCII text with their values kept behind them, as
    /// supriya does, so the defaults give `-R 0 -l 1 -u 57110`. `threads` becomes `-T` only when
    /// `supernova` is true, since scsynth has no such flag. Verbosity is passed as `-V`: scsynth's
    /// `-v` prints the version and exits.
    ///
    /// Meant for validated options: a path that is not UTF-8 is converted lossily, and an
    /// `output_device` without an `input_device` is left out.
    pub fn to_args(&self, supernova: bool) -> Vec<String> {
        flatten(self.flags(supernova))
    }

    /// The flags that apply to a non-realtime render (`scsynth -N …`): those of
    /// [`to_args`](Self::to_args) without the network, device, login and hardware ones, which
    /// mean nothing without a port or an audio driver. The sample rate is a positional argument
    /// of `-N`, so `-S` is left out too.
    pub fn to_nrt_args(&self, supernova: bool) -> Vec<String> {
        const REALTIME_ONLY: [&str; 11] = [
            "-B", "-H", "-I", "-O", "-R", "-S", "-Z", "-l", "-p", "-t", "-u",
        ];
        let mut flags = self.flags(supernova);
        flags.retain(|(name, _)| !REALTIME_ONLY.contains(name));
        flatten(flags)
    }

    fn flags(&self, supernova: bool) -> Vec<(&'static str, Vec<String>)> {
        let mut flags: Vec<(&'static str, Vec<String>)> = Vec::new();
        let mut flag = |name: &'static str, values: Vec<String>| flags.push((name, values));

        if self.ip_address != IpAddr::V4(Ipv4Addr::LOCALHOST) {
            flag("-B", vec![self.ip_address.to_string()]);
        }
        match self.protocol {
            Protocol::Udp => flag("-u", vec![self.port.to_string()]),
            Protocol::Tcp => flag("-t", vec![self.port.to_string()]),
        }
        if let Some(input) = &self.input_device {
            match &self.output_device {
                Some(output) if output != input => flag("-H", vec![input.clone(), output.clone()]),
                // One name means both directions to scsynth.
                _ => flag("-H", vec![input.clone()]),
            }
        }
        if self.maximum_logins != SCSYNTH_DEFAULT_LOGINS {
            flag("-l", vec![self.maximum_logins.to_string()]);
        }
        if let Some(password) = &self.password {
            flag("-p", vec![password.clone()]);
        }
        if let Some(rate) = self.sample_rate {
            flag("-S", vec![rate.to_string()]);
        }
        if !self.zero_configuration {
            flag("-R", vec!["0".into()]);
        }
        let counts: [(&'static str, u32, u32); 11] = [
            ("-a", self.audio_bus_channel_count, 1024),
            ("-z", self.block_size, 64),
            ("-b", self.buffer_count, 1024),
            ("-c", self.control_bus_channel_count, 16384),
            ("-i", self.input_bus_channel_count, 8),
            ("-n", self.maximum_node_count, 1024),
            ("-d", self.maximum_synthdef_count, 1024),
            ("-m", self.memory_size, 8192),
            ("-o", self.output_bus_channel_count, 8),
            ("-r", self.random_number_generator_count, 64),
            ("-w", self.wire_buffer_count, 64),
        ];
        for (name, value, default) in counts {
            if value != default {
                flag(name, vec![value.to_string()]);
            }
        }
        if let Some(size) = self.hardware_buffer_size {
            flag("-Z", vec![size.to_string()]);
        }
        if !self.input_stream_mask.is_empty() {
            flag("-I", vec![self.input_stream_mask.clone()]);
        }
        if !self.output_stream_mask.is_empty() {
            flag("-O", vec![self.output_stream_mask.clone()]);
        }
        if !self.load_synthdefs {
            flag("-D", vec!["0".into()]);
        }
        if self.memory_locking {
            flag("-L", vec![]);
        }
        if let Some(path) = &self.restricted_path {
            flag("-P", vec![path.to_string_lossy().into_owned()]);
        }
        if let Some(clip) = self.safety_clip {
            flag("-s", vec![clip.to_string()]);
        }
        if supernova && self.threads != 6 {
            flag("-T", vec![self.threads.to_string()]);
        }
        if let Some(paths) = self.ugen_plugins_path.as_ref().filter(|p| !p.is_empty()) {
            let joined: Vec<_> = paths.iter().map(|p| p.to_string_lossy()).collect();
            flag("-U", vec![joined.join(":")]);
        }
        if self.verbosity != 0 {
            flag("-V", vec![self.verbosity.to_string()]);
        }

        flags
    }

    /// Checks what scsynth would reject, or what would make the server unusable, before spawning.
    pub fn validate(&self) -> Result<(), OptionsError> {
        if self.port == 0 {
            return Err(OptionsError::ZeroPort);
        }
        if !(1..=MAX_LOGINS).contains(&self.maximum_logins) {
            return Err(OptionsError::MaximumLogins(self.maximum_logins));
        }
        let hardware =
            u64::from(self.input_bus_channel_count) + u64::from(self.output_bus_channel_count);
        if u64::from(self.audio_bus_channel_count) < hardware {
            return Err(OptionsError::NotEnoughAudioBuses {
                audio: self.audio_bus_channel_count,
                inputs: self.input_bus_channel_count,
                outputs: self.output_bus_channel_count,
            });
        }
        let positive = [
            ("block_size", self.block_size),
            ("maximum_node_count", self.maximum_node_count),
            // Requests that can fail are fenced by reading a control bus.
            ("control_bus_channel_count", self.control_bus_channel_count),
            ("maximum_synthdef_count", self.maximum_synthdef_count),
            ("memory_size", self.memory_size),
            ("wire_buffer_count", self.wire_buffer_count),
            ("threads", self.threads),
            ("heartbeat_misses", self.heartbeat_misses),
            ("jack_sample_rate", self.jack_sample_rate),
            ("jack_period", self.jack_period),
        ];
        if let Some((field, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(OptionsError::Zero { field });
        }
        if self.sample_rate == Some(0) {
            return Err(OptionsError::Zero {
                field: "sample_rate",
            });
        }
        if self.hardware_buffer_size == Some(0) {
            return Err(OptionsError::Zero {
                field: "hardware_buffer_size",
            });
        }
        let waits = [
            ("boot_timeout", self.boot_timeout),
            ("quit_timeout", self.quit_timeout),
            ("request_timeout", self.request_timeout),
            ("heartbeat_interval", self.heartbeat_interval),
        ];
        if let Some((field, _)) = waits.iter().find(|(_, value)| value.is_zero()) {
            return Err(OptionsError::ZeroDuration { field });
        }
        if self.backoff_min > self.backoff_max {
            return Err(OptionsError::BackoffOrder {
                min: self.backoff_min,
                max: self.backoff_max,
            });
        }
        if self.standby > 1 || (self.standby == 1 && self.standby_port() == self.port) {
            return Err(OptionsError::Standby {
                standby: self.standby,
                port: self.port,
                standby_port: self.standby_port(),
            });
        }
        if self.verbosity < 0 {
            return Err(OptionsError::NegativeVerbosity(self.verbosity));
        }
        // Temporary ids run from initial_node_id to the top of the 26 bits: as many as the
        // server can hold nodes, so that the allocator never runs out before the server does.
        let min = i64::from(self.maximum_logins) + 1;
        let max = i64::from(MAX_LOCAL_NODE_ID) + 1 - i64::from(self.maximum_node_count);
        if !(min..=max).contains(&i64::from(self.initial_node_id)) {
            return Err(OptionsError::InitialNodeId {
                initial_node_id: self.initial_node_id,
                min,
                max,
            });
        }
        let strings = [
            ("input_device", &self.input_device),
            ("output_device", &self.output_device),
            ("password", &self.password),
        ];
        if let Some((field, _)) = strings
            .iter()
            .find(|(_, value)| value.as_deref() == Some(""))
        {
            return Err(OptionsError::Empty { field });
        }
        if self.output_device.is_some() && self.input_device.is_none() {
            return Err(OptionsError::OutputDeviceWithoutInput);
        }
        if let Some(path) = &self.restricted_path {
            utf8_path("restricted_path", path)?;
        }
        for path in self.ugen_plugins_path.iter().flatten() {
            let text = utf8_path("ugen_plugins_path", path)?;
            if text.contains(':') {
                return Err(OptionsError::PluginPathSeparator(text));
            }
        }
        if let Some(SafetyClip::Value(v)) = self.safety_clip {
            if v.is_nan() || v <= 0.0 {
                return Err(OptionsError::SafetyClip(v));
            }
        }
        Ok(())
    }

    /// The places to look for the server executable, in order; the caller takes the first that
    /// exists and reports all of them when none does.
    ///
    /// An explicit [`Options::executable`] wins, else `env_executable` (the value of
    /// [`EXECUTABLE_ENV`]); a value with a directory part is the only candidate, a bare name
    /// (`supernova`) is searched for like the default `scsynth`: in each entry of `path_env`
    /// (the value of `PATH`), then in the platform's usual install locations. On Windows those
    /// are `C:\Program Files\SuperCollider\`; versioned directories
    /// (`SuperCollider-3.13.0`) have to be found by the caller or named explicitly.
    pub fn executable_candidates(
        &self,
        env_executable: Option<&OsStr>,
        path_env: Option<&OsStr>,
    ) -> Vec<PathBuf> {
        let chosen = self
            .executable
            .as_deref()
            .map(Path::as_os_str)
            .or(env_executable)
            .filter(|value| !value.is_empty())
            .map(Path::new);
        let name = match chosen {
            Some(path) if path.components().count() > 1 || path.is_absolute() => {
                return vec![path.to_path_buf()];
            }
            Some(path) => path.as_os_str().to_owned(),
            None => "scsynth".into(),
        };
        let mut file_name = name;
        if cfg!(windows) && Path::new(&file_name).extension().is_none() {
            file_name.push(".exe");
        }

        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(path_env) = path_env {
            candidates.extend(
                std::env::split_paths(path_env)
                    .filter(|dir| !dir.as_os_str().is_empty())
                    .map(|dir| dir.join(&file_name)),
            );
        }
        let platform_dirs: &[&str] = if cfg!(target_os = "macos") {
            &[
                "/Applications/SuperCollider.app/Contents/Resources",
                "/usr/local/bin",
                "/opt/homebrew/bin",
            ]
        } else if cfg!(windows) {
            &[r"C:\Program Files\SuperCollider"]
        } else {
            &["/usr/bin", "/usr/local/bin"]
        };
        candidates.extend(
            platform_dirs
                .iter()
                .map(|dir| Path::new(dir).join(&file_name)),
        );

        let mut seen = std::collections::HashSet::new();
        candidates.retain(|candidate| seen.insert(candidate.clone()));
        candidates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(options: &Options) -> Vec<String> {
        options.to_args(false)
    }

    fn strs(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// The default flags with `extra` merged in at their sorted places.
    fn defaults_with(extra: &[&str]) -> Vec<String> {
        let mut pairs: Vec<Vec<String>> = vec![strs(&["-R", "0"]), strs(&["-l", "1"])];
        pairs.push(strs(&["-u", "57110"]));
        let mut current: Vec<String> = Vec::new();
        for item in extra {
            if item.starts_with('-') && item.len() == 2 && !current.is_empty() {
                pairs.push(std::mem::take(&mut current));
            }
            current.push(item.to_string());
        }
        if !current.is_empty() {
            pairs.push(current);
        }
        pairs.sort_by(|a, b| a[0].cmp(&b[0]));
        pairs.concat()
    }

    #[test]
    fn a_supervised_server_is_restarted_after_a_failure_by_default() {
        assert_eq!(Options::default().restart, RestartPolicy::OnFailure);
        let options: Options = toml::from_str("port = 57200").unwrap();
        assert_eq!(options.restart, RestartPolicy::OnFailure);
    }

    #[test]
    fn defaults_give_supriyas_command_line() {
        assert_eq!(
            args(&Options::default()),
            strs(&["-R", "0", "-l", "1", "-u", "57110"])
        );
        assert_eq!(Options::default().validate(), Ok(()));
    }

    #[test]
    fn benchmark_options() {
        let options = Options {
            port: 57200,
            load_synthdefs: false,
            maximum_node_count: 4096,
            ..Options::default()
        };
        assert_eq!(
            args(&options),
            strs(&["-D", "0", "-R", "0", "-l", "1", "-n", "4096", "-u", "57200"])
        );
    }

    #[test]
    fn each_flag_and_its_condition() {
        let cases: Vec<(Options, &[&str])> = vec![
            (
                Options {
                    ip_address: "0.0.0.0".parse().unwrap(),
                    ..Options::default()
                },
                &["-B", "0.0.0.0"],
            ),
            (
                Options {
                    password: Some("secret".into()),
                    ..Options::default()
                },
                &["-p", "secret"],
            ),
            (
                Options {
                    sample_rate: Some(44100),
                    ..Options::default()
                },
                &["-S", "44100"],
            ),
            (
                Options {
                    audio_bus_channel_count: 2048,
                    ..Options::default()
                },
                &["-a", "2048"],
            ),
            (
                Options {
                    block_size: 32,
                    ..Options::default()
                },
                &["-z", "32"],
            ),
            (
                Options {
                    buffer_count: 4096,
                    ..Options::default()
                },
                &["-b", "4096"],
            ),
            (
                Options {
                    control_bus_channel_count: 4096,
                    ..Options::default()
                },
                &["-c", "4096"],
            ),
            (
                Options {
                    hardware_buffer_size: Some(512),
                    ..Options::default()
                },
                &["-Z", "512"],
            ),
            (
                Options {
                    input_bus_channel_count: 2,
                    ..Options::default()
                },
                &["-i", "2"],
            ),
            (
                Options {
                    input_stream_mask: "0101".into(),
                    ..Options::default()
                },
                &["-I", "0101"],
            ),
            (
                Options {
                    maximum_synthdef_count: 2048,
                    ..Options::default()
                },
                &["-d", "2048"],
            ),
            (
                Options {
                    memory_locking: true,
                    ..Options::default()
                },
                &["-L"],
            ),
            (
                Options {
                    memory_size: 65536,
                    ..Options::default()
                },
                &["-m", "65536"],
            ),
            (
                Options {
                    output_bus_channel_count: 2,
                    ..Options::default()
                },
                &["-o", "2"],
            ),
            (
                Options {
                    output_stream_mask: "11".into(),
                    ..Options::default()
                },
                &["-O", "11"],
            ),
            (
                Options {
                    random_number_generator_count: 128,
                    ..Options::default()
                },
                &["-r", "128"],
            ),
            (
                Options {
                    restricted_path: Some("/srv/sounds".into()),
                    ..Options::default()
                },
                &["-P", "/srv/sounds"],
            ),
            (
                Options {
                    safety_clip: Some(SafetyClip::Value(1.0)),
                    ..Options::default()
                },
                &["-s", "1"],
            ),
            (
                Options {
                    safety_clip: Some(SafetyClip::Value(0.5)),
                    ..Options::default()
                },
                &["-s", "0.5"],
            ),
            (
                Options {
                    safety_clip: Some(SafetyClip::Infinite),
                    ..Options::default()
                },
                &["-s", "inf"],
            ),
            (
                Options {
                    ugen_plugins_path: Some(vec!["/a/b".into(), "/c".into()]),
                    ..Options::default()
                },
                &["-U", "/a/b:/c"],
            ),
            (
                Options {
                    ugen_plugins_path: Some(vec![]),
                    ..Options::default()
                },
                &[],
            ),
            (
                Options {
                    verbosity: 2,
                    ..Options::default()
                },
                &["-V", "2"],
            ),
            (
                Options {
                    wire_buffer_count: 128,
                    ..Options::default()
                },
                &["-w", "128"],
            ),
            (
                Options {
                    threads: 2,
                    ..Options::default()
                },
                &[],
            ),
            (
                Options {
                    initial_node_id: 2000,
                    ..Options::default()
                },
                &[],
            ),
        ];
        for (options, extra) in cases {
            assert_eq!(args(&options), defaults_with(extra), "{extra:?}");
        }
    }

    #[test]
    fn conditional_flags_disappear() {
        let options = Options {
            zero_configuration: true,
            maximum_logins: 64,
            ..Options::default()
        };
        assert_eq!(args(&options), strs(&["-u", "57110"]));
    }

    #[test]
    fn tcp_uses_dash_t() {
        let options = Options {
            protocol: Protocol::Tcp,
            port: 57999,
            ..Options::default()
        };
        assert_eq!(args(&options), strs(&["-R", "0", "-l", "1", "-t", "57999"]));
    }

    #[test]
    fn nrt_args_keep_engine_flags_and_drop_realtime_ones() {
        let options = Options {
            protocol: Protocol::Tcp,
            ip_address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            input_device: Some("hw".into()),
            sample_rate: Some(44100),
            hardware_buffer_size: Some(256),
            password: Some("x".into()),
            output_bus_channel_count: 2,
            input_bus_channel_count: 0,
            block_size: 32,
            buffer_count: 2048,
            load_synthdefs: false,
            ..Options::default()
        };
        assert_eq!(
            options.to_nrt_args(false),
            strs(&["-D", "0", "-b", "2048", "-i", "0", "-o", "2", "-z", "32"])
        );
    }

    #[test]
    fn threads_only_for_supernova() {
        let options = Options {
            threads: 2,
            ..Options::default()
        };
        assert_eq!(
            options.to_args(true),
            strs(&["-R", "0", "-T", "2", "-l", "1", "-u", "57110"])
        );
        assert_eq!(Options::default().to_args(true), args(&Options::default()));
        assert!(is_supernova(Path::new("/usr/bin/supernova")));
        let nova = Options {
            executable: Some("supernova".into()),
            ..Options::default()
        };
        assert!(nova.is_supernova() && !Options::default().is_supernova());
        assert_eq!(nova.packet_limit(), SUPERNOVA_UDP_PACKET);
        let nova_tcp = Options {
            protocol: Protocol::Tcp,
            ..nova
        };
        assert_eq!(nova_tcp.packet_limit(), crate::bundle::MAX_UDP_PACKET);
        assert_eq!(
            Options::default().packet_limit(),
            crate::bundle::MAX_UDP_PACKET
        );
        assert!(is_supernova(Path::new("supernova.exe")));
        assert!(!is_supernova(Path::new("/usr/bin/scsynth")));
    }

    #[test]
    fn devices_same_and_different() {
        let same = Options {
            input_device: Some("hw:1".into()),
            output_device: Some("hw:1".into()),
            ..Options::default()
        };
        assert_eq!(args(&same), defaults_with(&["-H", "hw:1"]));
        let input_only = Options {
            input_device: Some("hw:1".into()),
            ..Options::default()
        };
        assert_eq!(args(&input_only), defaults_with(&["-H", "hw:1"]));
        let different = Options {
            input_device: Some("mic".into()),
            output_device: Some("speakers".into()),
            ..Options::default()
        };
        assert_eq!(
            args(&different),
            strs(&["-H", "mic", "speakers", "-R", "0", "-l", "1", "-u", "57110"])
        );
        let output_only = Options {
            output_device: Some("speakers".into()),
            ..Options::default()
        };
        assert_eq!(
            output_only.validate(),
            Err(OptionsError::OutputDeviceWithoutInput)
        );
    }

    #[test]
    fn everything_at_once_is_sorted() {
        let options = Options {
            ip_address: "10.0.0.2".parse().unwrap(),
            load_synthdefs: false,
            memory_locking: true,
            maximum_logins: 4,
            block_size: 128,
            hardware_buffer_size: Some(256),
            audio_bus_channel_count: 512,
            ..Options::default()
        };
        assert_eq!(
            args(&options),
            strs(&[
                "-B", "10.0.0.2", "-D", "0", "-L", "-R", "0", "-Z", "256", "-a", "512", "-l", "4",
                "-u", "57110", "-z", "128",
            ])
        );
    }

    #[test]
    fn validation_failures() {
        let cases: Vec<(Options, OptionsError)> = vec![
            (
                Options {
                    audio_bus_channel_count: 15,
                    ..Options::default()
                },
                OptionsError::NotEnoughAudioBuses {
                    audio: 15,
                    inputs: 8,
                    outputs: 8,
                },
            ),
            (
                Options {
                    maximum_logins: 0,
                    ..Options::default()
                },
                OptionsError::MaximumLogins(0),
            ),
            (
                Options {
                    maximum_logins: 33,
                    ..Options::default()
                },
                OptionsError::MaximumLogins(33),
            ),
            (
                Options {
                    port: 0,
                    ..Options::default()
                },
                OptionsError::ZeroPort,
            ),
            (
                Options {
                    block_size: 0,
                    ..Options::default()
                },
                OptionsError::Zero {
                    field: "block_size",
                },
            ),
            (
                Options {
                    heartbeat_misses: 0,
                    ..Options::default()
                },
                OptionsError::Zero {
                    field: "heartbeat_misses",
                },
            ),
            (
                Options {
                    sample_rate: Some(0),
                    ..Options::default()
                },
                OptionsError::Zero {
                    field: "sample_rate",
                },
            ),
            (
                Options {
                    request_timeout: Duration::ZERO,
                    ..Options::default()
                },
                OptionsError::ZeroDuration {
                    field: "request_timeout",
                },
            ),
            (
                Options {
                    backoff_min: Duration::from_secs(10),
                    ..Options::default()
                },
                OptionsError::BackoffOrder {
                    min: Duration::from_secs(10),
                    max: Duration::from_secs(5),
                },
            ),
            (
                Options {
                    verbosity: -1,
                    ..Options::default()
                },
                OptionsError::NegativeVerbosity(-1),
            ),
            (
                Options {
                    maximum_logins: 8,
                    initial_node_id: 8,
                    ..Options::default()
                },
                OptionsError::InitialNodeId {
                    initial_node_id: 8,
                    min: 9,
                    max: 67_107_840,
                },
            ),
            (
                Options {
                    initial_node_id: 1 << 26,
                    ..Options::default()
                },
                OptionsError::InitialNodeId {
                    initial_node_id: 1 << 26,
                    min: 2,
                    max: 67_107_840,
                },
            ),
            (
                Options {
                    password: Some(String::new()),
                    ..Options::default()
                },
                OptionsError::Empty { field: "password" },
            ),
            (
                Options {
                    ugen_plugins_path: Some(vec!["/a:b".into()]),
                    ..Options::default()
                },
                OptionsError::PluginPathSeparator("/a:b".into()),
            ),
            (
                Options {
                    safety_clip: Some(SafetyClip::Value(-1.0)),
                    ..Options::default()
                },
                OptionsError::SafetyClip(-1.0),
            ),
        ];
        for (options, expected) in cases {
            let field = expected.field();
            assert_eq!(options.validate(), Err(expected));
            assert!(
                Options::field_names().contains(&field),
                "{field} is not an option name"
            );
        }
        let exact_fit = Options {
            audio_bus_channel_count: 16,
            ..Options::default()
        };
        assert_eq!(exact_fit.validate(), Ok(()));
    }

    #[test]
    fn error_messages_say_what_to_do() {
        let message = OptionsError::NotEnoughAudioBuses {
            audio: 15,
            inputs: 8,
            outputs: 8,
        }
        .to_string();
        assert!(
            message.contains("15") && message.contains("raise"),
            "{message}"
        );
        assert!(OptionsError::ZeroPort.to_string().contains("57110"));
    }

    #[test]
    fn toml_with_humantime_durations() {
        let options: Options = toml::from_str(
            r#"
            port = 57200
            protocol = "tcp"
            boot_timeout = "2s"
            request_timeout = "500ms"
            restart = "on-failure"
            safety_clip = "inf"
            ugen_plugins_path = ["/a", "/b"]
            ip_address = "0.0.0.0"
            "#,
        )
        .unwrap();
        assert_eq!(options.port, 57200);
        assert_eq!(options.protocol, Protocol::Tcp);
        assert_eq!(options.boot_timeout, Duration::from_secs(2));
        assert_eq!(options.request_timeout, Duration::from_millis(500));
        assert_eq!(options.restart, RestartPolicy::OnFailure);
        assert_eq!(options.safety_clip, Some(SafetyClip::Infinite));
        assert_eq!(options.ip_address, "0.0.0.0".parse::<IpAddr>().unwrap());
        assert_eq!(options.latency, Duration::from_millis(100));
    }

    #[test]
    fn safety_clip_forms() {
        #[derive(Deserialize)]
        struct Clip {
            safety_clip: SafetyClip,
        }
        let parse = |text: &str| toml::from_str::<Clip>(text).map(|c| c.safety_clip);
        assert_eq!(parse("safety_clip = 2").unwrap(), SafetyClip::Value(2.0));
        assert_eq!(
            parse("safety_clip = 0.25").unwrap(),
            SafetyClip::Value(0.25)
        );
        assert_eq!(parse("safety_clip = inf").unwrap(), SafetyClip::Infinite);
        assert_eq!(
            parse("safety_clip = \"inf\"").unwrap(),
            SafetyClip::Infinite
        );
        assert!(parse("safety_clip = \"loud\"").is_err());
        assert!(parse("safety_clip = true").is_err());
    }

    #[test]
    fn toml_round_trip() {
        let options = Options {
            safety_clip: Some(SafetyClip::Value(1.5)),
            restart: RestartPolicy::Always,
            executable: Some("/opt/sc/scsynth".into()),
            ..Options::default()
        };
        let text = toml::to_string(&options).unwrap();
        assert!(text.contains("restart = \"always\""), "{text}");
        assert!(text.contains("heartbeat_interval = \"250ms\""), "{text}");
        assert_eq!(toml::from_str::<Options>(&text).unwrap(), options);
    }

    #[test]
    fn the_jack_mode_is_read_under_its_old_name_too() {
        let shared: Options = toml::from_str("jack = \"shared\"").unwrap();
        assert_eq!(shared.jack, JackMode::Shared);
        let old: Options = toml::from_str("start_jack = true").unwrap();
        assert_eq!(old.jack, JackMode::Own);
        assert_eq!(Options::default().jack, JackMode::Running);
        assert!(Options::field_names().contains(&"jack"));
        assert!(Options::field_names().contains(&"start_jack"));
    }

    #[test]
    fn toml_rejects_unknown_fields_and_bad_values() {
        let unknown = toml::from_str::<Options>("prot = \"tcp\"").unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `prot`"),
            "{unknown}"
        );
        assert!(toml::from_str::<Options>("boot_timeout = \"2 parsecs\"").is_err());
        assert!(toml::from_str::<Options>("boot_timeout = 2").is_err());
        assert!(toml::from_str::<Options>("protocol = \"sctp\"").is_err());
        assert!(toml::from_str::<Options>("restart = \"on_failure\"").is_err());
        assert!(toml::from_str::<Options>("port = 70000").is_err());
    }

    #[test]
    fn executable_lookup_order() {
        let path_env = std::env::join_paths(["/opt/a", "/opt/b"]).unwrap();
        let exe = |dir: &str, name: &str| {
            let mut file = name.to_owned();
            if cfg!(windows) {
                file.push_str(".exe");
            }
            Path::new(dir).join(file)
        };

        let explicit = Options {
            executable: Some("/x/scsynth".into()),
            ..Options::default()
        };
        assert_eq!(
            explicit.executable_candidates(Some(OsStr::new("/env/scsynth")), Some(&path_env)),
            vec![PathBuf::from("/x/scsynth")]
        );

        let defaults = Options::default();
        assert_eq!(
            defaults.executable_candidates(Some(OsStr::new("/env/scsynth")), Some(&path_env)),
            vec![PathBuf::from("/env/scsynth")]
        );

        let searched = defaults.executable_candidates(None, Some(&path_env));
        assert_eq!(searched[0], exe("/opt/a", "scsynth"));
        assert_eq!(searched[1], exe("/opt/b", "scsynth"));
        assert!(searched.len() > 2, "platform paths follow PATH");
        if cfg!(target_os = "linux") {
            assert_eq!(
                searched[2..],
                [
                    PathBuf::from("/usr/bin/scsynth"),
                    PathBuf::from("/usr/local/bin/scsynth")
                ]
            );
        }

        let by_name = Options {
            executable: Some("supernova".into()),
            ..Options::default()
        };
        let candidates = by_name.executable_candidates(None, Some(&path_env));
        assert_eq!(candidates[0], exe("/opt/a", "supernova"));
        assert!(candidates.iter().all(|c| is_supernova(c)));

        let no_path = defaults.executable_candidates(Some(OsStr::new("")), None);
        assert!(!no_path.is_empty());
        assert!(no_path
            .iter()
            .all(|c| c.file_stem() == Some(OsStr::new("scsynth"))));
    }

    #[test]
    fn a_standby_takes_the_other_port_and_the_ports_swap_on_promotion() {
        let options = Options {
            port: 57110,
            standby: 1,
            ..Options::default()
        };
        assert_eq!(options.standby_port(), 58110);
        options.validate().expect("one standby on its own port");
        let promoted = options.swapped_ports();
        assert_eq!((promoted.port, promoted.standby_port()), (58110, 57110));
        assert_eq!(promoted.swapped_ports().port, 57110);
        let high = Options {
            port: 65000,
            ..Options::default()
        };
        assert_eq!(high.standby_port(), 64000);
        for (standby, standby_port) in [(2, None), (1, Some(57110))] {
            let bad = Options {
                standby,
                standby_port,
                ..options.clone()
            };
            assert!(matches!(bad.validate(), Err(OptionsError::Standby { .. })));
        }
        assert!(toml::from_str::<Options>("standby = 1\nstandby_port = 57300").is_ok());
    }
}
