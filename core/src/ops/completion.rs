//! Completion messages: a command scsynth runs itself when an asynchronous command finishes
//! (a buffer allocated or read, SynthDefs loaded), in the same step, with no round trip.

use crate::command::Command;
use crate::validate::InvalidArgument;

/// A request with the commands scsynth runs when it finishes: what the methods that send an
/// asynchronous command take, so that `buffer.read(FileRead::new(path))` and
/// `buffer.read(FileRead::new(path).on_completion(command))` are one method.
#[derive(Debug, Clone, PartialEq)]
pub struct Then<T> {
    /// The request.
    pub request: T,
    /// Run by scsynth when it finishes, in order.
    pub completion: Vec<Command>,
}

impl<T> From<T> for Then<T> {
    fn from(request: T) -> Self {
        Then {
            request,
            completion: Vec::new(),
        }
    }
}

impl<T> Then<T> {
    /// Adds a command scsynth runs when the request finishes (after any already added).
    pub fn on_completion(mut self, then: Command) -> Self {
        self.completion.push(then);
        self
    }
}

/// `.on_completion(command)` on the requests that take a completion message.
pub trait OnCompletion: Sized {
    /// This request, with `then` run by scsynth when it finishes.
    fn on_completion(self, then: Command) -> Then<Self> {
        Then::from(self).on_completion(then)
    }
}

impl OnCompletion for crate::ops::buffer::FileRead {}
impl OnCompletion for crate::ops::buffer::FileWrite {}
impl OnCompletion for &str {}

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
    fn requests_carry_their_completions_in_order() {
        let plain: Then<&str> = "/defs".into();
        assert!(plain.completion.is_empty());
        let then = "/defs"
            .on_completion(Command::Status)
            .on_completion(Command::Version);
        assert_eq!(then.request, "/defs");
        assert_eq!(then.completion, vec![Command::Status, Command::Version]);
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
