//! Levels: the peak and RMS replies of a `SendPeakRMS` meter, and decibels as amplitudes.

use rosc::{OscMessage, OscType};

/// The peak and RMS amplitude of one channel over one reply period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// The largest magnitude (decaying by the meter's peak lag).
    pub peak: f32,
    /// The root mean square.
    pub rms: f32,
}

/// The levels of a `SendPeakRMS` reply (`cmdName node replyId peak rms peak rms …`), with its
/// node and reply id; `None` for a message of another shape.
pub fn parse_peak_rms(message: &OscMessage) -> Option<(i32, i32, Vec<Level>)> {
    let (node, reply_id) = match message.args.get(..2)? {
        [OscType::Int(node), OscType::Int(id)] => (*node, *id),
        _ => return None,
    };
    let values = message.args[2..]
        .iter()
        .map(|v| match v {
            OscType::Float(f) => Some(*f),
            OscType::Double(d) => Some(*d as f32),
            _ => None,
        })
        .collect::<Option<Vec<f32>>>()?;
    if values.len() % 2 != 0 {
        return None;
    }
    let levels = values
        .chunks(2)
        .map(|pair| Level {
            peak: pair[0],
            rms: pair[1],
        })
        .collect();
    Some((node, reply_id, levels))
}

/// The amplitude factor of a gain in decibels (`-6.02` dB ≈ 0.5); `-inf` gives 0.
pub fn db_to_amplitude(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_per_channel() {
        let message = OscMessage {
            addr: "/meters".into(),
            args: vec![
                OscType::Int(1000),
                OscType::Int(0),
                OscType::Float(0.25),
                OscType::Float(0.17),
                OscType::Float(0.0),
                OscType::Float(0.0),
            ],
        };
        let (node, id, levels) = parse_peak_rms(&message).unwrap();
        assert_eq!((node, id), (1000, 0));
        assert_eq!(
            levels,
            vec![
                Level {
                    peak: 0.25,
                    rms: 0.17
                },
                Level {
                    peak: 0.0,
                    rms: 0.0
                }
            ]
        );
    }

    #[test]
    fn refuses_other_shapes() {
        let odd = OscMessage {
            addr: "/meters".into(),
            args: vec![OscType::Int(1), OscType::Int(0), OscType::Float(0.1)],
        };
        assert_eq!(parse_peak_rms(&odd), None);
        let text = OscMessage {
            addr: "/meters".into(),
            args: vec![OscType::String("x".into())],
        };
        assert_eq!(parse_peak_rms(&text), None);
    }

    #[test]
    fn decibels() {
        assert_eq!(db_to_amplitude(0.0), 1.0);
        assert!((db_to_amplitude(-6.0206) - 0.5).abs() < 1e-4);
        assert_eq!(db_to_amplitude(f64::NEG_INFINITY), 0.0);
    }
}
