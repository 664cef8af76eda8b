//! Unix seconds ↔ OSC (NTP) timetags.
//!
//! An OSC timetag counts seconds since 1900-01-01 in its upper 32 bits and fractions of a second
//! (units of 2⁻³²) in its lower 32 bits. The seconds field wraps in February 2036 (NTP era 1);
//! scsynth only ever compares timetags with its own clock, so encoding wraps modulo 2³² and
//! decoding picks the era that puts the time between 1968 and 2104.

use rosc::OscTime;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
pub const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The special timetag meaning "execute immediately" (`0x0000000000000001`).
pub const IMMEDIATE: OscTime = OscTime {
    seconds: 0,
    fractional: 1,
};

const TWO_POW_32: f64 = 4_294_967_296.0;
const ERA: i64 = 1 << 32;

/// Whether `tag` is the "immediately" timetag.
pub fn is_immediate(tag: OscTime) -> bool {
    tag == IMMEDIATE
}

/// The timetag of a Unix time in seconds. Non-finite input gives [`IMMEDIATE`].
pub fn from_unix(seconds: f64) -> OscTime {
    if !seconds.is_finite() {
        return IMMEDIATE;
    }
    // Split before adding the offset: the fraction of a Unix time keeps more precision than the
    // fraction of the (larger) NTP time would.
    fixed_point(seconds, NTP_UNIX_OFFSET as i64)
}

/// The timetag of a time in seconds from 0, as non-realtime command files count time
/// (`0` is the start of the render). Non-finite input gives [`IMMEDIATE`].
pub fn from_seconds(seconds: f64) -> OscTime {
    if !seconds.is_finite() {
        return IMMEDIATE;
    }
    fixed_point(seconds, 0)
}

/// The seconds from 0 of a timetag, the inverse of [`from_seconds`].
pub fn to_seconds(tag: OscTime) -> f64 {
    f64::from(tag.seconds) + f64::from(tag.fractional) / TWO_POW_32
}

/// Whole seconds plus `offset`, and the fraction in 2⁻³² units, rounded.
fn fixed_point(seconds: f64, offset: i64) -> OscTime {
    let whole = seconds.floor();
    let mut fractional = ((seconds - whole) * TWO_POW_32).round();
    let mut whole = whole as i64 + offset;
    if fractional >= TWO_POW_32 {
        fractional = 0.0;
        whole += 1;
    }
    OscTime {
        seconds: whole.rem_euclid(ERA) as u32,
        fractional: fractional as u32,
    }
}

/// The Unix time in seconds of a timetag, or `None` for [`IMMEDIATE`].
///
/// Seconds fields below 2³¹ are read as NTP era 1 (after 2036-02-07), others as era 0.
pub fn to_unix(tag: OscTime) -> Option<f64> {
    if is_immediate(tag) {
        return None;
    }
    let mut ntp = i64::from(tag.seconds);
    if tag.seconds < 1 << 31 {
        ntp += ERA;
    }
    let whole = ntp - NTP_UNIX_OFFSET as i64;
    Some(whole as f64 + f64::from(tag.fractional) / TWO_POW_32)
}

/// The timetag of a [`SystemTime`], with nanosecond input precision.
pub fn from_system_time(time: SystemTime) -> OscTime {
    let (negative, since) = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => (false, d),
        Err(e) => (true, e.duration()),
    };
    let nanos = u64::from(since.subsec_nanos());
    // Round nanoseconds to 2⁻³² units in integer arithmetic.
    let mut fractional = ((nanos << 32) + 500_000_000) / 1_000_000_000;
    let mut secs = since.as_secs() as i64;
    if negative {
        secs = -secs;
        if fractional > 0 {
            secs -= 1;
            fractional = (1 << 32) - fractional;
        }
    }
    if fractional >= 1 << 32 {
        fractional -= 1 << 32;
        secs += 1;
    }
    OscTime {
        seconds: (secs + NTP_UNIX_OFFSET as i64).rem_euclid(ERA) as u32,
        fractional: fractional as u32,
    }
}

/// The [`SystemTime`] of a timetag (era chosen as in [`to_unix`]), or `None` for [`IMMEDIATE`].
pub fn to_system_time(tag: OscTime) -> Option<SystemTime> {
    let seconds = to_unix(tag)?;
    let whole = seconds.floor();
    let nanos = ((u64::from(tag.fractional) * 1_000_000_000 + (1 << 31)) >> 32).min(999_999_999);
    if whole >= 0.0 {
        Some(UNIX_EPOCH + Duration::new(whole as u64, nanos as u32))
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs((-whole) as u64))
            .map(|t| t + Duration::from_nanos(nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_epoch_is_the_ntp_offset() {
        assert_eq!(
            from_unix(0.0),
            OscTime {
                seconds: 2_208_988_800,
                fractional: 0
            }
        );
        assert_eq!(to_unix(from_unix(0.0)), Some(0.0));
    }

    #[test]
    fn fractions_are_units_of_two_to_the_minus_32() {
        let tag = from_unix(1.5);
        assert_eq!(tag.seconds, 2_208_988_801);
        assert_eq!(tag.fractional, 1 << 31);
        assert_eq!(from_unix(0.25).fractional, 1 << 30);
    }

    #[test]
    fn round_trips_within_a_microsecond() {
        for t in [
            1.0e9,
            1_700_000_000.123_456,
            2_000_000_000.999_999,
            2_085_978_495.5,
        ] {
            let back = to_unix(from_unix(t)).unwrap();
            assert!((back - t).abs() < 1e-6, "{t} -> {back}");
        }
    }

    #[test]
    fn the_2036_era_wraps() {
        // 2036-02-07T06:28:16Z is NTP second 2^32.
        let wrap = (1u64 << 32) as f64 - NTP_UNIX_OFFSET as f64;
        assert_eq!(
            from_unix(wrap),
            OscTime {
                seconds: 0,
                fractional: 0
            }
        );
        let later = from_unix(wrap + 10.25);
        assert_eq!(later.seconds, 10);
        assert_eq!(to_unix(later), Some(wrap + 10.25));
        let before = from_unix(wrap - 1.0);
        assert_eq!(before.seconds, u32::MAX);
        assert_eq!(to_unix(before), Some(wrap - 1.0));
    }

    #[test]
    fn rounding_up_carries_into_seconds() {
        let tag = from_unix(10.0 - 1e-12);
        assert_eq!(tag.fractional, 0);
        assert_eq!(tag.seconds, 2_208_988_810);
    }

    #[test]
    fn immediate_is_one_and_has_no_time() {
        assert_eq!(
            u64::from(IMMEDIATE.seconds) << 32 | u64::from(IMMEDIATE.fractional),
            1
        );
        assert!(is_immediate(IMMEDIATE));
        assert_eq!(to_unix(IMMEDIATE), None);
        assert_eq!(to_system_time(IMMEDIATE), None);
        assert_eq!(from_unix(f64::NAN), IMMEDIATE);
    }

    #[test]
    fn system_time_matches_unix_seconds() {
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 250_000_000);
        assert_eq!(from_system_time(t), from_unix(1_700_000_000.25));
        assert_eq!(to_system_time(from_system_time(t)), Some(t));
        let before = UNIX_EPOCH - Duration::new(1, 500_000_000);
        assert_eq!(from_system_time(before), from_unix(-1.5));
        assert_eq!(to_system_time(from_unix(-1.5)), Some(before));
    }

    #[test]
    fn agrees_with_rosc() {
        let t = UNIX_EPOCH + Duration::new(1_750_000_000, 123_456_789);
        let theirs = OscTime::try_from(t).unwrap();
        let ours = from_system_time(t);
        assert_eq!(theirs.seconds, ours.seconds);
        assert!(theirs.fractional.abs_diff(ours.fractional) <= 1);
    }
}
