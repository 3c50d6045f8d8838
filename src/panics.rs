//! Third-party code that may panic on hostile input (sled on damaged files, calamine on
//! damaged workbooks) runs through here, so a panic becomes a message and not a crash.

/// Runs `f`, turning a panic into an `Err` with its message, without printing the panic
/// (the caller reports it as a one-line message instead).
pub fn quietly<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    r.map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into())
    })
}
