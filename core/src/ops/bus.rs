//! Control-bus commands on part of a group of consecutive buses.

use crate::command::Command;
use crate::validate::{self, InvalidArgument};

/// Checks that `count` buses from `offset` lie inside a group of `len`.
fn inside(command: &str, offset: i32, count: i32, len: i32) -> Result<(), InvalidArgument> {
    validate::at_least(command, "offset", offset, 0)?;
    validate::at_least(command, "count", count, 1)?;
    if i64::from(offset) + i64::from(count) <= i64::from(len) {
        return Ok(());
    }
    Err(InvalidArgument::new(
        command,
        "offset",
        offset,
        format!("0 to {} for {count} buses of a group of {len}", len - count),
    ))
}

/// `/c_setn`: `values` into the group of `len` buses from `first`, starting `offset` buses in.
pub fn set_range(
    first: i32,
    len: i32,
    offset: i32,
    values: Vec<f32>,
) -> Result<Command, InvalidArgument> {
    let count = i32::try_from(values.len()).unwrap_or(i32::MAX);
    inside("/c_setn", offset, count, len)?;
    Ok(Command::CSetn {
        ranges: vec![(first + offset, values)],
    })
}

/// `/c_fill`: `count` buses of the group of `len` from `first`, starting `offset` buses in, to
/// `value`.
pub fn fill(
    first: i32,
    len: i32,
    offset: i32,
    count: i32,
    value: f32,
) -> Result<Command, InvalidArgument> {
    inside("/c_fill", offset, count, len)?;
    Ok(Command::CFill {
        ranges: vec![(first + offset, count, value)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosc::OscType;

    #[test]
    fn ranges_start_at_the_offset_inside_the_group() {
        let c = set_range(100, 8, 2, vec![0.5, 0.25]).unwrap();
        assert_eq!(
            c.to_message().args,
            vec![
                OscType::Int(102),
                OscType::Int(2),
                OscType::Float(0.5),
                OscType::Float(0.25)
            ]
        );
        let f = fill(100, 8, 5, 3, 1.0).unwrap();
        assert_eq!(
            f.to_message().args,
            vec![OscType::Int(105), OscType::Int(3), OscType::Float(1.0)]
        );
    }

    #[test]
    fn ranges_past_the_group_are_refused() {
        let error = fill(100, 8, 6, 3, 1.0).unwrap_err();
        assert_eq!(
            (error.command.as_str(), error.argument),
            ("/c_fill", "offset")
        );
        assert_eq!(error.allowed, "0 to 5 for 3 buses of a group of 8");
        assert_eq!(
            set_range(100, 8, -1, vec![1.0]).unwrap_err().argument,
            "offset"
        );
        assert_eq!(set_range(100, 8, 0, vec![]).unwrap_err().argument, "count");
        assert_eq!(fill(100, 8, 0, 0, 1.0).unwrap_err().argument, "count");
    }
}
