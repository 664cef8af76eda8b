//! Blocking forms of async methods, and plain delegations of the rest, generated so no logic is
//! written twice.

/// `forward! { Type => via; fn name(args) -> Ret; … }` implements, on `Type`, blocking methods
/// that wait for `self.via().name(args)`. The actors run on their own thread, so waiting here
/// never blocks them. `fn name(args) -> Ret => on;` also moves the handle the async method made
/// onto the blocking server with its `on` method, so a blocking face makes blocking handles.
macro_rules! forward {
    ($ty:ty => $via:ident; $($(#[$doc:meta])* fn $name:ident($($arg:ident: $argty:ty),*) -> $ret:ty $(=> $on:ident)?;)*) => {
        impl $ty {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $argty),*) -> $ret {
                    let answer = futures::executor::block_on(self.$via().$name($($arg),*));
                    $(let answer = answer.map(|handle| {
                        handle.$on($crate::blocking::Blocking::blocking(self))
                    });)?
                    answer
                }
            )*
        }
    };
}

/// `delegate! { Type => via; fn name(args) -> Ret; … }` implements, on `Type`, methods that
/// answer `self.via().name(args)` as they are: the ones that never wait.
macro_rules! delegate {
    ($ty:ty => $via:ident; $($(#[$doc:meta])* fn $name:ident($($arg:ident: $argty:ty),*) $(-> $ret:ty)?;)*) => {
        impl $ty {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $argty),*) $(-> $ret)? {
                    self.$via().$name($($arg),*)
                }
            )*
        }
    };
}

pub(crate) use {delegate, forward};

/// What a blocking method's handles are bound to: the blocking server itself, or the one a
/// request context was opened on.
pub(crate) trait Blocking {
    /// The blocking face.
    type Face;
    /// The blocking face the handles go to.
    fn blocking(&self) -> &Self::Face;
}
