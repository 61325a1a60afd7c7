//! Containing panics of third-party decoders without hiding anyone else's.
//!
//! rqrr 0.11 panics on some photos (its issue #54). [`contained`] turns such a panic into "found
//! nothing", and keeps the default hook from printing a panic message and backtrace note for
//! it on standard error: for the caller nothing went wrong, so nothing should be reported as a
//! crash. Other panics must stay loud, so the hook is not replaced: one hook, installed once,
//! stays silent only while the panicking thread is inside [`contained`] and hands every other
//! panic to the hook that was there before.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// How deep this thread is inside [`contained`] (nested calls are harmless).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

static INSTALL: Once = Once::new();

/// Runs `f`, turning a panic inside it into `T::default()`, logged at debug level only.
pub(crate) fn contained<T: Default>(f: impl FnOnce() -> T) -> T {
    INSTALL.call_once(install_hook);
    DEPTH.with(|depth| depth.set(depth.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|depth| depth.set(depth.get() - 1));
    result.unwrap_or_default()
}

fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // try_with: a panic while the thread's locals are being torn down must not panic again.
        if DEPTH.try_with(Cell::get).unwrap_or(0) > 0 {
            tracing::debug!(panic = %info, "a third-party QR decoder panicked; contained");
        } else {
            previous(info);
        }
    }));
}
