//! The commands of supriya's context methods and sclang's `Server` habits that are more than one
//! row of [`crate::command::Command`]: each built once, here, from typed arguments, refusing
//! what scsynth would ignore or misread with an [`crate::validate::InvalidArgument`]. The
//! awaited methods and the request contexts of the public API both call these, so the two never
//! disagree.

pub mod buffer;
pub mod bus;
pub mod completion;
pub mod node;
