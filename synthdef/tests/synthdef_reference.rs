//! Every reference SynthDef compiled by supriya is rebuilt here in Rust from the `.py`
//! source beside it; the compiled bytes must equal the reference file byte for byte, and
//! the graph dump must equal supriya's `.txt` dump.

mod fixtures;
mod reference_defs;

use scserver_synthdef::SynthDef;

use scserver_testdata::SYNTHDEFS as DIR;

/// supriya's output for the cases the shared reference files do not cover.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn reference(name: &str) -> Vec<u8> {
    reference_in(DIR, name)
}

fn reference_in(dir: &str, name: &str) -> Vec<u8> {
    std::fs::read(format!("{dir}/{name}.scsyndef")).expect("reference file")
}

fn reference_dump(name: &str) -> String {
    reference_dump_in(DIR, name)
}

fn reference_dump_in(dir: &str, name: &str) -> String {
    std::fs::read_to_string(format!("{dir}/{name}.txt")).expect("reference dump")
}

fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or((a.len() != b.len()).then(|| a.len().min(b.len())))
}

fn check(def: SynthDef) {
    check_in(DIR, def);
}

fn check_in(dir: &str, def: SynthDef) {
    let name = def.name.clone();
    let dump = def.to_string();
    assert_eq!(
        dump.trim_end(),
        reference_dump_in(dir, &name).trim_end(),
        "dump of {name}"
    );
    let bytes = def.compile();
    let expected = reference_in(dir, &name);
    assert!(
        bytes == expected,
        "{name}: bytes differ at {:?} (len {} vs {})",
        first_difference(&bytes, &expected),
        bytes.len(),
        expected.len()
    );
}

#[test]
fn ref_sine() {
    check(reference_defs::ref_sine());
}

#[test]
fn ref_binops() {
    check(reference_defs::ref_binops());
}

#[test]
fn ref_buffers() {
    check(reference_defs::ref_buffers());
}

#[test]
fn ref_constants() {
    check(reference_defs::ref_constants());
}

#[test]
fn ref_control_rates() {
    check(reference_defs::ref_control_rates());
}

#[test]
fn ref_env_gate() {
    check(reference_defs::ref_env_gate());
}

#[test]
fn ref_large() {
    check(reference_defs::ref_large());
}

#[test]
fn ref_multi_output() {
    check(reference_defs::ref_multi_output());
}

#[test]
fn ref_pan_stereo() {
    check(reference_defs::ref_pan_stereo());
}

/// `Dbufwr`'s inputs in scsynth's order: buffer, phase, source, loop.
#[test]
fn fix_dbufwr() {
    check_in(FIXTURES, fixtures::fix_dbufwr());
}

/// `LeakDC`'s default coefficient is 0.995 at audio rate and 0.9 at control rate.
#[test]
fn fix_leakdc() {
    check_in(FIXTURES, fixtures::fix_leakdc());
}

/// An ADSR with UGen peak, sustain and bias builds its operators in supriya's order.
#[test]
fn fix_adsr_bias() {
    check_in(FIXTURES, fixtures::fix_adsr_bias());
}

/// Multichannel silence is one `DC` read by every channel.
#[test]
fn fix_silence() {
    check_in(FIXTURES, fixtures::fix_silence());
}

macro_rules! fixtures {
    ($($(#[$doc:meta])* $name:ident,)*) => {$(
        $(#[$doc])*
        #[test]
        fn $name() {
            check_in(FIXTURES, fixtures::$name());
        }
    )*};
}

// Pseudo-UGens supriya has: its compiler made the expected bytes and dump.
fixtures! {
    /// supriya's `Splay`: positions and level from controls, and the control-rate normalisation.
    fix_splay,
    /// supriya's `CompanderD`: a `DelayN` of the source feeds the `Compander` it controls.
    fix_compander_d,
    /// supriya's `Changed` at both rates.
    fix_changed,
    /// supriya's `HilbertFIR`: FFT, `PV_PhaseShift90`, `IFFT` and a `DelayN` by `BufDur`.
    fix_hilbert_fir,
    /// `Klank` from frequency, amplitude and ring-time arrays, shorter ones cycling.
    fix_klank,
    /// `LinLin` and `LinExp` with ranges from controls.
    fix_lin_lin,
    /// `Env::perc`, `asr` and `linen` with a control, a named and a numeric curve.
    fix_env_curves,
    /// The `Lag2`, `Lag3`, `Lag2UD` and `Lag3UD` helpers.
    fix_lag_helpers,
}

// Pseudo-UGens only sclang has: the `.py` beside each expands sclang's class by hand (its
// comment says which class and how) and supriya compiles that graph, so the bytes check both
// the expansion and the compiler.
fixtures! {
    /// sclang's `SelectX`: two `Select`s (even, odd) crossfaded by `XFade2`.
    fix_select_x,
    /// sclang's `TChoose`: `Select` by a `TIRand` over the indices.
    fix_t_choose,
    /// sclang's `LinSelectX`: `SelectX`'s two `Select`s crossfaded by `LinXFade2`.
    fix_lin_select_x,
    /// sclang's `TWChoose`: `Select` by a `TWindex` of the weights.
    fix_tw_choose,
    /// sclang's `Env.sine` and `Env.cutoff` (linear, and exponential to -100 dB).
    fix_env_sine_cutoff,
    /// sclang's `Klang`: frequency, amplitude, phase per partial, defaults 1 and 0.
    fix_klang,
    /// sclang's `DynKlank`: scaled `Ringz`s times their amplitudes, summed.
    fix_dyn_klank,
    /// sclang's `DynKlang`: offset `SinOsc`s times their amplitudes, summed.
    fix_dyn_klang,
    /// sclang's `PMOsc`: a `SinOsc` whose phase is a `SinOsc` times the index.
    fix_pm_osc,
    /// sclang's `VarLag`: `EnvGen`s retriggered by `Changed`, and the `VarLag` UGen.
    fix_var_lag,
    /// `IEnvGen` with an envelope in sclang's interpolation layout.
    fix_i_env_gen,
}

#[test]
fn every_fixture_has_a_test() {
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .expect("fixtures dir")
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "scsyndef")
                .then(|| p.file_stem().map(|s| s.to_string_lossy().into_owned()))?
        })
        .collect();
    names.sort();
    let built: Vec<String> = fixtures::all().into_iter().map(|d| d.name).collect();
    assert_eq!(names, built);
}

fn reference_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(DIR)
        .expect("reference dir")
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? != "scsyndef" {
                return None;
            }
            Some(p.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    names
}

macro_rules! roundtrip {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            let bytes = reference(stringify!($name));
            let def = SynthDef::decode(&bytes).expect("decodes");
            assert_eq!(def.compile(), bytes);
            assert_eq!(def.name, stringify!($name));
        }
    )*};
}

mod decode_encode {
    use super::*;
    roundtrip!(
        ref_binops,
        ref_buffers,
        ref_constants,
        ref_control_rates,
        ref_env_gate,
        ref_large,
        ref_multi_output,
        ref_pan_stereo,
        ref_sine
    );
}

#[test]
fn every_reference_file_has_a_test() {
    let tested = [
        "ref_binops",
        "ref_buffers",
        "ref_constants",
        "ref_control_rates",
        "ref_env_gate",
        "ref_large",
        "ref_multi_output",
        "ref_pan_stereo",
        "ref_sine",
    ];
    assert_eq!(reference_names(), tested);
}

/// Decoded files print like supriya's dump too (numbers are `f32` once in a file, so the
/// one dump with `f64`-only values, `0.1 * 3`, prints them shorter).
#[test]
fn decoded_files_print_like_supriya() {
    for name in reference_names() {
        let def = SynthDef::decode(&reference(&name)).unwrap();
        let mut expected = reference_dump(&name);
        for (long, short) in [
            ("0.30000000000000004", "0.3"),
            ("0.6000000000000001", "0.6"),
            ("0.7000000000000001", "0.7"),
            ("1.2000000000000002", "1.2"),
        ] {
            expected = expected.replace(long, short);
        }
        assert_eq!(def.to_string().trim_end(), expected.trim_end(), "{name}");
    }
}
