//! Blocking forms of async methods, generated so no logic is written twice.

/// `forward! { Type => via; fn name(args) -> Ret; … }` implements, on `Type`, blocking methods
/// that wait for `self.via().name(args)`. The actors run on their own thread, so waiting here
/// never blocks them.
macro_rules! forward {
    ($ty:ty => $via:ident; $($(#[$doc:meta])* fn $name:ident($($arg:ident: $argty:ty),*) -> $ret:ty;)*) => {
        impl $ty {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $argty),*) -> $ret {
                    futures::executor::block_on(self.$via().$name($($arg),*))
                }
            )*
        }
    };
}

pub(crate) use forward;
