//! The layout of the shared-memory segment a server publishes per port
//! (`/dev/shm/SuperColliderServer_<port>` on Linux): a Boost.Interprocess managed segment holding
//! one named object with the control buses and the scope buffers `ScopeOut2` writes.
//!
//! Pointers inside the segment are Boost `offset_ptr`s: the pointee's address minus the
//! pointer's own address, with 1 standing for null. Every offset found here is checked against
//! the segment's length, so a segment of another layout is a [`LayoutError`], never a wild read.

use thiserror::Error;

/// The segment's name for a server port (also the name of the object inside it).
pub fn segment_name(port: u16) -> String {
    format!("{SEGMENT_PREFIX}{port}")
}

const SEGMENT_PREFIX: &str = "SuperColliderServer_";

/// The port a segment's file name is for, when it is one of scsynth's.
pub fn segment_port(file_name: &str) -> Option<u16> {
    let port = file_name.strip_prefix(SEGMENT_PREFIX)?;
    // `u16::from_str` takes a leading `+`, which no segment name has.
    port.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| port.parse().ok())
        .flatten()
}

/// Size of the named object: a process-local `std::string` (32 bytes, unused), the control-bus
/// pointer, and a Boost vector of scope-buffer pointers (allocator, start, size, capacity).
const OBJECT_SIZE: u64 = 72;
const OBJECT_CONTROL_BUSES: usize = 32;
const OBJECT_SCOPES_START: usize = 48;
const OBJECT_SCOPES_LEN: usize = 56;
/// The named block's header before the object: value bytes (u64), name length (u16), value
/// alignment (u8), then padding to 16 bytes.
const NAMED_HEADER: usize = 16;
/// Boost's allocator (`rbtree_best_fit`) keeps a block's size, in 16-byte units, in the low 62
/// bits of the word before the user data; the next block's first 8 bytes are usable too.
const UNIT: u64 = 16;
const SIZE_BITS: u64 = (1 << 62) - 1;
/// scsynth creates 128 scope buffers; more would mean a layout we do not know.
const MAX_SCOPE_BUFFERS: u64 = 1024;

/// Field offsets of one scope buffer (`scope_buffer` in SuperCollider's `scope_buffer.hpp`).
///
/// Three regions of `channels × max_frames` floats (channel-major) rotate between the writer
/// (`in`), an exchange slot (`stage`) and the reader (`out`). The writer fills its region, sets
/// its `changed` flag and swaps it with `stage`; the reader, seeing `changed` on the `stage`
/// region, clears the flag of its own region and swaps it with `stage`, then reads.
pub mod scope {
    /// Bytes per scope buffer.
    pub const SIZE: usize = 88;
    /// `i32`: 0 free, 1 held by a writer.
    pub const STATUS: usize = 0;
    /// `u32`: frames per channel in each region.
    pub const MAX_FRAMES: usize = 4;
    /// `u32`: channels.
    pub const CHANNELS: usize = 8;
    /// `i32` (atomic): the exchange region's index.
    pub const STAGE: usize = 24;
    /// `i32`: the reader's region index (only the reader touches it).
    pub const OUT: usize = 32;
    /// Status of a buffer a writer holds.
    pub const INITIALIZED: i32 = 1;
    /// Regions per buffer.
    pub const REGIONS: i32 = 3;
    /// Within a region descriptor: `offset_ptr` to its samples.
    pub const REGION_DATA: usize = 0;
    /// Within a region descriptor: `u32` frames the writer pushed.
    pub const REGION_FRAMES: usize = 8;
    /// Within a region descriptor: `u8` (atomic bool) set by the writer, cleared by the reader.
    pub const REGION_CHANGED: usize = 12;

    /// Offset of region `i`'s descriptor within a scope buffer.
    pub const fn region(i: i32) -> usize {
        40 + 16 * i as usize
    }
}

/// What the segment holds, as offsets into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentLayout {
    /// Offset of control bus 0 (`f32`s follow).
    pub control_buses: usize,
    /// Control buses the segment holds (the count the server was started with).
    pub control_bus_count: usize,
    /// Offset of each scope buffer, by scope index.
    pub scope_buffers: Vec<usize>,
}

/// Why a segment is not the layout this crate understands.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// The object named after the port is not in the segment.
    #[error("no object named {name} in the segment")]
    NoObject {
        /// The name looked for.
        name: String,
    },
    /// The named object's size or alignment differs from the known layout.
    #[error("the shared-memory object is {size} bytes (aligned to {align}); expected {OBJECT_SIZE} aligned to 8")]
    ObjectSize {
        /// Its size in the segment.
        size: u64,
        /// Its alignment in the segment.
        align: u8,
    },
    /// A pointer or block lies outside the segment or is misaligned.
    #[error("{what} at offset {offset} points outside the segment or is misaligned")]
    BadPointer {
        /// Which pointer.
        what: &'static str,
        /// Where it is stored.
        offset: usize,
    },
    /// The control-bus block does not hold the number of buses expected.
    #[error("the segment has room for {found} control buses; the options say {expected} (`-c`): pass the server's own count")]
    BusCount {
        /// Buses the block has room for (the server's count rounded up to 4).
        found: usize,
        /// Buses the options name.
        expected: usize,
    },
    /// The scope-buffer vector is implausible.
    #[error("the segment lists {count} scope buffers")]
    ScopeCount {
        /// Its length.
        count: u64,
    },
    /// A scope buffer's region indices are outside 0..3.
    #[error("scope buffer {index} has region index {value}")]
    ScopeState {
        /// Scope index.
        index: usize,
        /// The bad region index.
        value: i32,
    },
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let word = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(word.try_into().ok()?))
}

fn i32_at(bytes: &[u8], at: usize) -> Option<i32> {
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(i32::from_le_bytes(word.try_into().ok()?))
}

/// Resolves an `offset_ptr` stored at `at` holding `stored`: the pointee's offset when it is not
/// null, lies with `len` bytes inside a segment of `segment_len` bytes, and is `align`-aligned.
pub fn resolve(
    at: usize,
    stored: i64,
    len: usize,
    align: usize,
    segment_len: usize,
) -> Option<usize> {
    if stored == 1 {
        return None;
    }
    let target = i64::try_from(at).ok()?.checked_add(stored)?;
    let target = usize::try_from(target).ok()?;
    (target.is_multiple_of(align) && target.checked_add(len)? <= segment_len).then_some(target)
}

fn pointer(bytes: &[u8], at: usize, len: usize, what: &'static str) -> Result<usize, LayoutError> {
    u64_at(bytes, at)
        .and_then(|stored| resolve(at, stored as i64, len, 8, bytes.len()))
        .ok_or(LayoutError::BadPointer { what, offset: at })
}

/// Usable bytes of the allocator block starting at `user`, from its size word.
fn block_capacity(bytes: &[u8], user: usize, what: &'static str) -> Result<usize, LayoutError> {
    let bad = LayoutError::BadPointer { what, offset: user };
    let word = user
        .checked_sub(8)
        .and_then(|at| u64_at(bytes, at))
        .ok_or(bad.clone())?;
    let units = word & SIZE_BITS;
    let capacity = units
        .checked_mul(UNIT)
        .and_then(|b| b.checked_sub(8))
        .ok_or(bad.clone())?;
    let capacity = usize::try_from(capacity).map_err(|_| bad.clone())?;
    // The block may run 8 bytes into the next one; it never runs past the segment.
    if user
        .checked_add(capacity)
        .is_none_or(|end| end > bytes.len() + 8)
    {
        return Err(bad);
    }
    Ok(capacity)
}

/// Finds the server's object in a copy of segment `bytes` and checks it: its size, its
/// pointers, the control-bus block against `expected_buses`, the scope buffers' indices.
pub fn parse(bytes: &[u8], port: u16, expected_buses: usize) -> Result<SegmentLayout, LayoutError> {
    let name = segment_name(port);
    let mut needle = name.clone().into_bytes();
    needle.push(0);
    // The name follows the object, which follows its header: find the copy whose header agrees.
    let object = find_all(bytes, &needle)
        .filter_map(|at| at.checked_sub(OBJECT_SIZE as usize))
        .find(|&object| named_header_fits(bytes, object, name.len()))
        .ok_or_else(|| LayoutError::NoObject { name: name.clone() })?;
    let header = object - NAMED_HEADER;
    let size = u64_at(bytes, header).unwrap_or(0);
    let align = bytes.get(header + 10).copied().unwrap_or(0);
    if size != OBJECT_SIZE || align != 8 {
        return Err(LayoutError::ObjectSize { size, align });
    }

    let expected_bytes = expected_buses * 4;
    let control_buses = pointer(
        bytes,
        object + OBJECT_CONTROL_BUSES,
        0,
        "control-bus pointer",
    )?;
    let capacity = block_capacity(bytes, control_buses, "control-bus block")?;
    // The block is the request rounded up to 16 bytes (less the 8 borrowed from the next one).
    if capacity < expected_bytes || capacity - expected_bytes >= UNIT as usize + 8 {
        return Err(LayoutError::BusCount {
            found: capacity / 4,
            expected: expected_buses,
        });
    }

    let count = u64_at(bytes, object + OBJECT_SCOPES_LEN).unwrap_or(u64::MAX);
    if count > MAX_SCOPE_BUFFERS {
        return Err(LayoutError::ScopeCount { count });
    }
    let count = count as usize;
    let start = pointer(
        bytes,
        object + OBJECT_SCOPES_START,
        count * 8,
        "scope-buffer vector",
    )?;
    let scope_buffers = (0..count)
        .map(|i| {
            let buffer = pointer(bytes, start + 8 * i, scope::SIZE, "scope-buffer pointer")?;
            for field in [scope::STAGE, scope::OUT] {
                let value = i32_at(bytes, buffer + field).unwrap_or(-1);
                if !(0..scope::REGIONS).contains(&value) {
                    return Err(LayoutError::ScopeState { index: i, value });
                }
            }
            Ok(buffer)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SegmentLayout {
        control_buses,
        control_bus_count: expected_buses,
        scope_buffers,
    })
}

fn named_header_fits(bytes: &[u8], object: usize, name_len: usize) -> bool {
    let Some(header) = object.checked_sub(NAMED_HEADER) else {
        return false;
    };
    let chars = bytes
        .get(header + 8..header + 10)
        .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    object.is_multiple_of(8) && chars == Some(name_len)
}

fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let first = needle[0];
    haystack
        .iter()
        .enumerate()
        .filter(move |&(_, &b)| b == first)
        .map(|(i, _)| i)
        .filter(move |&i| haystack[i..].starts_with(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_and_their_ports() {
        assert_eq!(segment_port(&segment_name(57110)), Some(57110));
        for other in [
            "SuperColliderServer_",
            "SuperColliderServer_+1",
            "SuperColliderServer_70000",
            "jack-0-0",
        ] {
            assert_eq!(segment_port(other), None, "{other}");
        }
    }

    const PORT: u16 = 57321;

    /// A small segment laid out as scsynth lays it out: object header, object, name, a bus
    /// block, a vector of two scope-buffer pointers and the two buffers.
    fn segment(block_buses: usize) -> Vec<u8> {
        let mut b = vec![0u8; 4096];
        let put =
            |b: &mut Vec<u8>, at: usize, v: u64| b[at..at + 8].copy_from_slice(&v.to_le_bytes());
        let object = 256;
        put(&mut b, object - 16, OBJECT_SIZE);
        let name = segment_name(PORT);
        b[object - 8..object - 6].copy_from_slice(&(name.len() as u16).to_le_bytes());
        b[object - 6] = 8;
        b[object + 72..object + 72 + name.len()].copy_from_slice(name.as_bytes());
        let bus = 512;
        let units = (block_buses * 4 + 8).div_ceil(16) as u64;
        put(&mut b, bus - 8, units | 3 << 62);
        put(
            &mut b,
            object + OBJECT_CONTROL_BUSES,
            (bus - object - OBJECT_CONTROL_BUSES) as u64,
        );
        let vector = 2048;
        put(
            &mut b,
            object + OBJECT_SCOPES_START,
            (vector - object - OBJECT_SCOPES_START) as u64,
        );
        put(&mut b, object + OBJECT_SCOPES_LEN, 2);
        for i in 0..2 {
            let buffer = 2560 + 128 * i;
            put(&mut b, vector + 8 * i, (buffer - vector - 8 * i) as u64);
            b[buffer + scope::STAGE..buffer + scope::STAGE + 4]
                .copy_from_slice(&0i32.to_le_bytes());
            b[buffer + scope::OUT..buffer + scope::OUT + 4].copy_from_slice(&2i32.to_le_bytes());
        }
        b
    }

    #[test]
    fn parses_a_segment_laid_out_as_scsynth_does() {
        let layout = parse(&segment(100), PORT, 100).unwrap();
        assert_eq!(layout.control_buses, 512);
        assert_eq!(layout.control_bus_count, 100);
        assert_eq!(layout.scope_buffers, vec![2560, 2688]);
    }

    #[test]
    fn a_bus_count_other_than_the_servers_is_refused() {
        let err = parse(&segment(100), PORT, 400).unwrap_err();
        assert_eq!(
            err,
            LayoutError::BusCount {
                found: 102,
                expected: 400
            }
        );
        let err = parse(&segment(100), PORT, 50).unwrap_err();
        assert!(
            matches!(err, LayoutError::BusCount { expected: 50, .. }),
            "{err}"
        );
    }

    #[test]
    fn another_port_or_a_damaged_object_is_refused() {
        let err = parse(&segment(100), PORT + 1, 100).unwrap_err();
        assert!(matches!(err, LayoutError::NoObject { .. }));
        let mut bytes = segment(100);
        bytes[256 - 16] = 80;
        assert!(matches!(
            parse(&bytes, PORT, 100),
            Err(LayoutError::ObjectSize { size: 80, .. })
        ));
        let mut bytes = segment(100);
        bytes[256 + OBJECT_SCOPES_LEN] = 200;
        assert!(matches!(
            parse(&bytes, PORT, 100),
            Err(LayoutError::BadPointer { .. })
        ));
        let mut bytes = segment(100);
        bytes[2560 + scope::STAGE] = 7;
        assert_eq!(
            parse(&bytes, PORT, 100),
            Err(LayoutError::ScopeState { index: 0, value: 7 })
        );
    }

    #[test]
    fn offset_pointers_resolve_relative_to_themselves() {
        assert_eq!(resolve(100, 28, 4, 4, 200), Some(128));
        assert_eq!(resolve(100, -36, 4, 4, 200), Some(64));
        assert_eq!(resolve(100, 1, 4, 4, 200), None, "1 is null");
        assert_eq!(resolve(100, 98, 4, 4, 200), None, "past the end");
        assert_eq!(resolve(100, -200, 4, 4, 200), None, "before the start");
        assert_eq!(resolve(100, 30, 4, 4, 200), None, "misaligned");
    }
}
