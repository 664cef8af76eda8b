//! Completion messages: a command scsynth runs itself when an asynchronous command finishes
//! (a buffer allocated or read, SynthDefs loaded), in the same step, with no round trip.

use crate::command::Command;
use crate::validate::InvalidArgument;

/// The commands that take a completion message.
const TAKES_ONE: &str = "/b_alloc, /b_allocRead, /b_allocReadChannel, /b_read, \
    /b_readChannel, /b_write, /b_free, /b_zero, /b_close, /d_recv, /d_load or /d_loadDir";

/// `command` with `then` added to the commands scsynth runs when it finishes (after any it
/// already has). Refused for a command scsynth runs at once, which has no completion.
pub fn on_completion(mut command: Command, then: Command) -> Result<Command, InvalidArgument> {
    match &mut command {
        Command::BAlloc { completion, .. }
        | Command::BAllocRead { completion, .. }
        | Command::BAllocReadChannel { completion, .. }
        | Command::BRead { completion, .. }
        | Command::BReadChannel { completion, .. }
        | Command::BWrite { completion, .. }
        | Command::BFree { completion, .. }
        | Command::BZero { completion, .. }
        | Command::BClose { completion, .. }
        | Command::DRecv { completion, .. }
        | Command::DLoad { completion, .. }
        | Command::DLoadDir { completion, .. } => {
            completion.push(then);
            Ok(command)
        }
        other => Err(InvalidArgument::new(
            other.address(),
            "completion",
            then.address(),
            format!("only on {TAKES_ONE}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosc::{OscPacket, OscType};

    #[test]
    fn completions_ride_in_the_asynchronous_command() {
        let alloc = Command::BAlloc {
            buffer_id: 1,
            frames: 8,
            channels: 1,
            completion: vec![],
        };
        let fill = Command::BFill {
            buffer_id: 1,
            ranges: vec![(0, 8, 0.5)],
        };
        let c = on_completion(alloc, fill.clone()).unwrap();
        let args = c.to_message().args;
        let Some(OscType::Blob(bytes)) = args.get(3) else {
            panic!("no completion blob: {args:?}")
        };
        let (_, packet) = rosc::decoder::decode_udp(bytes).unwrap();
        assert_eq!(packet, OscPacket::Message(fill.to_message()));
        let twice = on_completion(c, Command::NFree { node_ids: vec![5] }).unwrap();
        let Command::BAlloc { completion, .. } = twice else {
            panic!()
        };
        assert_eq!(completion.len(), 2);
    }

    #[test]
    fn commands_run_at_once_take_no_completion() {
        let error =
            on_completion(Command::NFree { node_ids: vec![1] }, Command::Status).unwrap_err();
        assert_eq!(error.command, "/n_free");
        assert_eq!(error.argument, "completion");
        assert_eq!(error.value, "/status");
    }
}
