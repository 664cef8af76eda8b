//! Per-server state that every clone of a public face shares: the stack of open request
//! contexts (see [`crate::RequestContext`]) and the node mirror.

use std::sync::Mutex;

use scserver_actors::server::notifications::SharedMirror;
use scserver_core::bundle::Moment;
use scserver_core::command::Command;

/// Per-server state of the public faces: the open contexts and the node mirror.
pub(crate) struct Session {
    stack: Mutex<Vec<Moment>>,
    pub(crate) mirror: SharedMirror,
}

impl Session {
    pub(crate) fn new(mirror: SharedMirror) -> Self {
        Session {
            stack: Mutex::new(Vec::new()),
            mirror,
        }
    }

    /// Adds `command` to the innermost open context; gives it back when none is open.
    pub(crate) fn defer(&self, command: Command) -> Option<Command> {
        let mut stack = self.stack.lock().expect("context lock");
        match stack.last_mut() {
            Some(moment) => {
                moment.push(command);
                None
            }
            None => Some(command),
        }
    }

    pub(crate) fn open(&self, moment: Moment) -> usize {
        let mut stack = self.stack.lock().expect("context lock");
        stack.push(moment);
        stack.len() - 1
    }

    /// Takes the context opened at `depth`, with whatever unclosed inner contexts collected.
    pub(crate) fn take(&self, depth: usize) -> Option<Moment> {
        let mut stack = self.stack.lock().expect("context lock");
        if stack.len() <= depth {
            return None;
        }
        let mut taken = stack.split_off(depth).into_iter();
        let mut moment = taken.next()?;
        for inner in taken {
            moment.commands.extend(inner.commands);
        }
        Some(moment)
    }
}
