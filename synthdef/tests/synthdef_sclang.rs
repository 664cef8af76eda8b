//! Every catalogue row against the UGen's sclang class definition: the inputs in the order
//! scsynth reads them, with their defaults. The facts come from `data/sclang_ugens.txt`,
//! extracted from SuperCollider's class library by `tools/sclang_ugens.py`; the rows that
//! deliberately differ are listed with their reason in `data/sclang_exceptions.txt`.

use std::collections::BTreeMap;

use scserver_synthdef::catalogue::{self, flags, InputDefault, UGenInfo};
use scserver_synthdef::Rate;

const FACTS: &str = include_str!("data/sclang_ugens.txt");
const EXCEPTIONS: &str = include_str!("data/sclang_exceptions.txt");

/// sclang argument names (snake-cased) and the names the catalogue uses for them, as supriya
/// spells them.
const NAMES: &[(&str, &[&str])] = &[
    ("amp", &["amplitude", "threshold"]),
    ("amp_threshold", &["amplitude_threshold"]),
    ("array", &["sources", "array"]),
    ("attacktime", &["attack_time"]),
    ("buf", &["buffer_id"]),
    ("buffer", &["buffer_id", "pv_chain"]),
    ("buffer_a", &["pv_chain_a"]),
    ("buffer_b", &["pv_chain_b"]),
    ("bufnum", &["buffer_id"]),
    ("bufpos", &["buffer_id"]),
    ("bw", &["bandwidth"]),
    ("bwfreq", &["bandwidth_frequency"]),
    ("center_pos", &["center_position"]),
    ("chain", &["pv_chain"]),
    ("channels_array", &["source"]),
    ("chaos_param", &["chaos_parameter"]),
    ("clar", &["clarity"]),
    ("coef", &["coefficient"]),
    ("damp", &["damping"]),
    ("db", &["gain", "db"]),
    ("decaytime", &["decay_time"]),
    ("del_time", &["delay_time"]),
    ("delaytime", &["delay_time"]),
    ("demand_ugens", &["source"]),
    ("dn", &["down"]),
    ("down_sample", &["down_sample_factor"]),
    ("drylevel", &["dry_level"]),
    ("dsthi", &["output_maximum"]),
    ("dstlo", &["output_minimum"]),
    ("dur", &["duration"]),
    ("earlyreflevel", &["early_reflection_level"]),
    ("end", &["stop"]),
    ("envbufnum", &["envelope_buffer_id"]),
    ("exec_freq", &["exec_frequency"]),
    ("formfreq", &["formant_frequency"]),
    ("freq", &["frequency"]),
    ("freq_scale", &["frequency_scaling"]),
    ("freqoffset", &["frequency_offset"]),
    ("freqscale", &["frequency_scale"]),
    ("fundfreq", &["fundamental_frequency"]),
    ("g", &["gravity"]),
    ("gate", &["gate", "trigger"]),
    ("hi", &["maximum"]),
    ("id", &["id_", "node_id", "rand_id", "ugen_id"]),
    ("in", &["source", "trigger"]),
    ("in0", &["input_one"]),
    ("in1", &["input_two"]),
    ("in2", &["input_three"]),
    ("in3", &["input_four"]),
    ("index", &["index_"]),
    ("init", &["initial_y"]),
    ("init_freq", &["initial_frequency"]),
    ("input", &["source"]),
    ("input_array", &["source"]),
    ("inputbw", &["input_bandwidth"]),
    ("interp", &["interpolate", "interpolation"]),
    ("iphase", &["initial_phase"]),
    ("keydecay", &["key_decay"]),
    ("chromaleak", &["chroma_leak"]),
    ("lag_time_d", &["lag_time_down"]),
    ("lag_time_u", &["lag_time_up"]),
    ("level", &["level", "amplitude", "gain"]),
    ("list", &["sequence"]),
    ("lo", &["minimum"]),
    ("max", &["maximum"]),
    ("max_freq", &["max_frequency"]),
    ("max_grains", &["maximum_overlap"]),
    ("maxdelaytime", &["maximum_delay_time"]),
    ("maxfreq", &["maxfrequency"]),
    ("maxroomsize", &["maximum_room_size"]),
    ("maxval", &["maximum"]),
    ("min", &["minimum"]),
    ("min_freq", &["min_frequency"]),
    ("minfreq", &["minfrequency"]),
    ("minmax", &["skew"]),
    ("minval", &["minimum"]),
    ("num_channels", &["channel_count"]),
    ("num_frames", &["frame_count"]),
    ("numcoeff", &["coeff_count"]),
    ("numfeatures", &["feature_count"]),
    ("numharm", &["harmonic_count"]),
    ("numsamp", &["sample_count"]),
    ("pan", &["pan", "position"]),
    ("phase", &["phase", "initial_phase"]),
    ("phaseaccuracy", &["phase_accuracy"]),
    ("busindex", &["bus_index"]),
    ("pos", &["position"]),
    ("post", &["post_mode"]),
    ("pre_level", &["preexisting_level"]),
    ("prob", &["probability"]),
    ("rec_level", &["record_level"]),
    ("resetval", &["reset_value"]),
    ("revtime", &["reverb_time"]),
    ("room", &["room_size"]),
    ("roomsize", &["room_size"]),
    ("rq", &["reciprocal_of_q"]),
    ("rs", &["reciprocal_of_s"]),
    ("saw_freq", &["saw_frequency"]),
    ("scope_num", &["scope_id"]),
    ("size", &["length"]),
    ("sndbuf", &["buffer_id"]),
    ("specifications_array_ref", &["specifications"]),
    ("src", &["source"]),
    ("srchi", &["input_maximum"]),
    ("srclo", &["input_minimum"]),
    ("start_pos", &["start_position"]),
    ("sus_level", &["sustain_level"]),
    ("sync_freq", &["sync_frequency"]),
    ("taillevel", &["tail_level"]),
    ("thresh", &["threshold"]),
    ("trig", &["trigger"]),
    ("weightingscheme", &["weighting_scheme"]),
    ("which", &["selector"]),
    ("windowsize", &["window_size"]),
    ("winsize", &["window_size"]),
    ("wintype", &["window_type"]),
    ("xfade", &["crossfade"]),
    ("xpos", &["x_position"]),
    ("ypos", &["y_position"]),
];

/// One input as sclang's creation method hands it to scsynth.
#[derive(Debug)]
struct Fact {
    /// The argument's name, snake-cased (`?expr` for a computed input).
    name: String,
    /// The default as written, if the argument has one.
    default: Option<String>,
}

/// What sclang says about one class and method, or why it cannot be read mechanically.
#[derive(Debug)]
enum Method {
    Inputs(Vec<Fact>),
    /// A `*new1` or `init` of its own, or construction without multiNew.
    Custom(String),
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower_or_digit = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower_or_digit {
            out.push('_');
        }
        prev_lower_or_digit = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn facts() -> BTreeMap<(String, String), Method> {
    let mut out = BTreeMap::new();
    for line in FACTS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut words = line.split_whitespace();
        let class = words.next().expect("a class").to_string();
        let method = words.next().expect("a method").to_string();
        let words: Vec<&str> = words.collect();
        let entry = if let Some(marker) = words.iter().find(|w| w.starts_with('!')) {
            Method::Custom(format!("{marker}: {line}"))
        } else {
            Method::Inputs(
                words
                    .iter()
                    .map(|w| {
                        let w = w.trim_start_matches('*');
                        let (name, default) = match w.split_once('=') {
                            Some((n, d)) => (n, Some(d.to_string())),
                            None => (w, None),
                        };
                        Fact {
                            name: if name.starts_with('?') {
                                name.to_string()
                            } else {
                                snake(name)
                            },
                            default,
                        }
                    })
                    .collect(),
            )
        };
        out.insert((class, method), entry);
    }
    out
}

/// The listed rows: `Class: reason` (differs from sclang) and `~Class: reason` (matches
/// sclang where supriya differs), as (class, follows sclang).
fn exceptions() -> BTreeMap<&'static str, bool> {
    let mut out = BTreeMap::new();
    for line in EXCEPTIONS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (class, reason) = line.split_once(':').expect("`Class: reason`");
        assert!(
            !reason.trim().is_empty(),
            "{class}: an entry needs a reason"
        );
        let (class, follows) = match class.trim().strip_prefix('~') {
            Some(class) => (class, true),
            None => (class.trim(), false),
        };
        assert!(
            out.insert(class, follows).is_none(),
            "{class} is listed twice"
        );
    }
    out
}

/// The sclang method for a row at a rate: the rate's own, else `*new`, else any (the rates a
/// UGen offers are not what this check is about).
fn sclang_method<'a>(
    facts: &'a BTreeMap<(String, String), Method>,
    class: &str,
    rate: Option<Rate>,
) -> Option<&'a Method> {
    let own = match rate {
        Some(Rate::Audio) => "ar",
        Some(Rate::Control) => "kr",
        Some(Rate::Scalar) => "ir",
        _ => "new",
    };
    [own, "new", "ar", "kr", "ir"]
        .iter()
        .find_map(|m| facts.get(&(class.to_string(), m.to_string())))
}

fn sclang_number(text: &str) -> Option<f64> {
    match text {
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

/// The differences between one row at one rate and sclang.
fn differences(info: &UGenInfo, rate: Option<Rate>, method: &Method) -> Vec<String> {
    let facts = match method {
        Method::Custom(why) => return vec![format!("sclang builds the inputs in code ({why})")],
        Method::Inputs(facts) => facts,
    };
    // The channel count of a settable-width UGen is consumed by sclang, never sent.
    let facts: &[Fact] = match facts.first() {
        Some(f) if info.has(flags::CHANNELS) && f.name.starts_with("num") => &facts[1..],
        _ => facts,
    };
    let mut out = Vec::new();
    if facts.len() != info.inputs.len() {
        out.push(format!(
            "{} inputs, sclang {}: {:?}",
            info.inputs.len(),
            facts.len(),
            facts.iter().map(|f| &f.name).collect::<Vec<_>>()
        ));
    }
    for (input, fact) in info.inputs.iter().zip(facts) {
        let ours = input.name();
        let bare = |n: &str| n.replace('_', "");
        // A computed input (`?expr`) is one this crate derives, or a literal constant.
        let literal = fact.name.strip_prefix('?').and_then(sclang_number);
        let same_name = match fact.name.strip_prefix('?') {
            Some(_) => literal.is_some() || input.default == InputDefault::Auto,
            None => {
                bare(&fact.name) == bare(ours)
                    || NAMES
                        .iter()
                        .any(|(sc, names)| bare(sc) == bare(&fact.name) && names.contains(&ours))
            }
        };
        if !same_name {
            out.push(format!("input {ours} is sclang's {}", fact.name));
        }
        // A required input is stricter than any sclang default; an automatic one is derived.
        let Some(value) = input.default.value(rate) else {
            continue;
        };
        let sclang_default = match literal {
            Some(v) => Some(v.to_string()),
            None => fact.default.clone(),
        };
        match sclang_default.as_deref().map(|d| (d, sclang_number(d))) {
            Some((_, Some(v))) if v == value || (v - value).abs() < 1e-9 => {}
            other => out.push(format!(
                "{ours} defaults to {value}, sclang's {} to {:?}",
                fact.name,
                other.map(|(d, _)| d)
            )),
        }
    }
    out
}

#[test]
fn every_row_matches_its_sclang_class_or_is_a_listed_exception() {
    let facts = facts();
    let exceptions = exceptions();
    let mut wrong = Vec::new();
    for info in catalogue::all() {
        let rates: Vec<Option<Rate>> = if info.rates.is_empty() {
            vec![None]
        } else {
            info.rates.iter().copied().map(Some).collect()
        };
        let mut found = Vec::new();
        for rate in rates {
            match sclang_method(&facts, info.name, rate) {
                None => found.push("no sclang class".to_string()),
                Some(method) => found.extend(
                    differences(info, rate, method)
                        .into_iter()
                        .map(|d| format!("{rate:?}: {d}")),
                ),
            }
        }
        // A row that differs must be listed as differing; a listed row must still be right.
        let excepted = exceptions.get(info.name) == Some(&false);
        match (found.is_empty(), excepted) {
            (false, false) => wrong.push(format!("{}: {}", info.name, found.join("; "))),
            (true, true) => wrong.push(format!(
                "{}: listed as an exception but matches sclang",
                info.name
            )),
            _ => {}
        }
    }
    for name in exceptions.keys() {
        if catalogue::lookup(name).is_none() {
            wrong.push(format!("{name}: listed, but not in the catalogue"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
