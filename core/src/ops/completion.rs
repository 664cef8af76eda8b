//! Completion messages: a command scsynth runs itself when an asynchronous command finishes
//! (a buffer allocated or read, SynthDefs loaded), in the same step, with no round trip.

use std::fmt;
use std::sync::Arc;

use crate::command::Command;
use crate::ids::BufferId;
use crate::validate::InvalidArgument;

/// A command scsynth runs when an asynchronous command finishes: given, or made from the
/// number of the buffer the command allocates or reads into (sclang's completion functions).
#[derive(Clone)]
pub enum Completion {
    /// This command.
    Command(Command),
    /// The command made from the buffer's number.
    OfBuffer(Arc<dyn Fn(BufferId) -> Command + Send + Sync>),
}

impl fmt::Debug for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Completion::Command(c) => f.debug_tuple("Command").field(c).finish(),
            Completion::OfBuffer(_) => f.write_str("OfBuffer(..)"),
        }
    }
}

impl From<Command> for Completion {
    fn from(command: Command) -> Self {
        Completion::Command(command)
    }
}

impl<F: Fn(BufferId) -> Command + Send + Sync + 'static> From<F> for Completion {
    fn from(make: F) -> Self {
        Completion::OfBuffer(Arc::new(make))
    }
}

/// A request with the commands scsynth runs when it finishes: what the methods that send an
/// asynchronous command take, so that `buffer.read(FileRead::new(path))` and
/// `buffer.read(FileRead::new(path).on_completion(command))` are one method.
#[derive(Debug, Clone)]
pub struct Then<T> {
    /// The request.
    pub request: T,
    completion: Vec<Completion>,
}

impl<T> From<T> for Then<T> {
    fn from(request: T) -> Self {
        Then {
            request,
            completion: Vec::new(),
        }
    }
}

/// A path given as a `String` reference.
impl<'a> From<&'a String> for Then<&'a str> {
    fn from(path: &'a String) -> Self {
        Then::from(path.as_str())
    }
}

impl<T> Then<T> {
    /// Adds a command scsynth runs when the request finishes (after any already added): a
    /// [`Command`], or a closure making one from the buffer's number.
    pub fn on_completion(mut self, then: impl Into<Completion>) -> Self {
        self.completion.push(then.into());
        self
    }

    /// `command`, built from the request, with the completions added; `buffer` is the buffer it
    /// allocates or reads into, for the completions made from it (refused without one).
    pub fn attach(
        &self,
        command: Command,
        buffer: Option<BufferId>,
    ) -> Result<Command, InvalidArgument> {
        self.completion.iter().try_fold(command, |command, then| {
            let then = match (then, buffer) {
                (Completion::Command(c), _) => c.clone(),
                (Completion::OfBuffer(make), Some(buffer)) => make(buffer),
                (Completion::OfBuffer(_), None) => return Err(InvalidArgument::new(
                    command.address(),
                    "completion",
                    "a command made from a buffer",
                    "a command; only buffer allocations and reads have a buffer to make one from",
                )),
            };
            on_completion(command, then)
        })
    }
}

/// `.on_completion(…)` on the requests that take a completion message.
pub trait OnCompletion: Sized {
    /// This request, with `then` run by scsynth when it finishes.
    fn on_completion(self, then: impl Into<Completion>) -> Then<Self> {
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
        let load = |then: &Then<&str>| {
            let command = Command::DLoad {
                path: then.request.to_owned(),
                completion: vec![],
            };
            then.attach(command, None)
        };
        let plain: Then<&str> = "/defs".into();
        assert_eq!(
            load(&plain).unwrap(),
            Command::DLoad {
                path: "/defs".into(),
                completion: vec![]
            }
        );
        let then = "/defs"
            .on_completion(Command::ClearSched)
            .on_completion(Command::DFreeAll);
        let Command::DLoad { completion, .. } = load(&then).unwrap() else {
            panic!()
        };
        assert_eq!(completion, vec![Command::ClearSched, Command::DFreeAll]);
        let of_buffer = "/defs".on_completion(|b: BufferId| Command::BZero {
            buffer_id: b.get(),
            completion: vec![],
        });
        assert_eq!(load(&of_buffer).unwrap_err().argument, "completion");
    }

    #[test]
    fn completions_can_be_made_from_the_buffer() {
        let alloc = Command::BAlloc {
            buffer_id: 7,
            frames: 8,
            channels: 1,
            completion: vec![],
        };
        let then = Then::from(()).on_completion(|b: BufferId| Command::BFill {
            buffer_id: b.get(),
            ranges: vec![(0, 8, 1.0)],
        });
        let Command::BAlloc { completion, .. } =
            then.attach(alloc, Some(BufferId::new(7))).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            completion,
            vec![Command::BFill {
                buffer_id: 7,
                ranges: vec![(0, 8, 1.0)]
            }]
        );
        let free = Then::from(()).on_completion(Command::Status);
        let error = free
            .attach(Command::NFree { node_ids: vec![1] }, None)
            .unwrap_err();
        assert_eq!(error.command, "/n_free");
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
