//! Handles returned by callback registration, for unregistering.

/// Identifies a registered OSC callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OscCallbackHandle(pub(crate) u64);

/// Identifies a registered lifecycle callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LifecycleCallbackHandle(pub(crate) u64);
