//! The decoder never panics on damaged input, and whatever it accepts re-encodes exactly.

use proptest::prelude::*;
use scserver_synthdef::SynthDef;

fn reference(name: &str) -> Vec<u8> {
    let dir = scserver_testdata::SYNTHDEFS;
    std::fs::read(format!("{dir}/{name}.scsyndef")).expect("reference file")
}

const NAMES: [&str; 3] = ["ref_env_gate", "ref_multi_output", "ref_buffers"];

proptest! {
    #[test]
    fn damaged_files_decode_or_fail_cleanly(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = reference(NAMES[which]);
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(defs) = SynthDef::decode_many(&bytes) {
            // Accepted bytes are valid and round-trip, and print without panicking.
            let again = SynthDef::compile_many(&defs).unwrap();
            prop_assert_eq!(SynthDef::decode_many(&again).unwrap(), defs.clone());
            for d in &defs {
                let _ = d.to_string();
            }
        }
    }

    #[test]
    fn random_bytes_after_the_header_do_not_panic(tail in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = b"SCgf\0\0\0\x02\0\x01".to_vec();
        bytes.extend(tail);
        let _ = SynthDef::decode_many(&bytes);
    }
}

#[test]
fn version_1_files_decode() {
    // A minimal version-1 file: 16-bit counts, one UGen (DC.kr of constant 0).
    let mut b = b"SCgf\0\0\0\x01\0\x01".to_vec();
    b.extend(b"\x02v1");
    b.extend([0, 1, 0, 0, 0, 0]); // one constant: 0.0
    b.extend([0, 0, 0, 0]); // no params, no names
    b.extend([0, 1]); // one UGen
    b.extend(b"\x02DC\x01\0\x01\0\x01\0\0\xff\xff\0\0\x01");
    b.extend([0, 0]); // no variants
    let def = SynthDef::decode(&b).unwrap();
    assert_eq!(def.ugens[0].class, "DC");
    assert_eq!(def.ugens[0].inputs, [scserver_synthdef::Input::Constant(0)]);
}

#[test]
fn a_parameter_claiming_billions_of_values_prints_promptly() {
    // Found by the property test above: a damaged index made one parameter span 4 billion values
    // and the dump loop over them never ended.
    let mut def = SynthDef::decode(&reference("ref_env_gate")).unwrap();
    let last = def.param_names.len() - 1;
    def.param_names[last].index = u32::MAX - 1;
    def.param_names[0].index = 0;
    let text = def.to_string();
    assert!(text.contains(&def.param_names[0].name));
}
