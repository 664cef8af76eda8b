//! Where the workspace's tests find the reference data shared with the peer implementation:
//! `../shared/reference` beside the workspace, with SynthDefs compiled by supriya and reply
//! datagrams captured from scsynth 3.13. Every test tree reads the paths from here, so the
//! location is written once.

#![warn(missing_docs)]

/// `shared/reference`, or a directory in it, as a path literal.
macro_rules! reference {
    ($($sub:literal)?) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/reference" $(, "/", $sub)?)
    };
}

/// The reference directory.
pub const REFERENCE: &str = reference!();

/// SynthDefs compiled by supriya: `NAME.scsyndef`, its source `NAME.py` and supriya's graph
/// dump `NAME.txt`.
pub const SYNTHDEFS: &str = reference!("synthdefs");

/// Reply datagrams captured from scsynth 3.13 (`*.bin`) and their index.
pub const OSC: &str = reference!("osc");
