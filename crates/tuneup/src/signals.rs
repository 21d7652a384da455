//! Ctrl-C and SIGTERM for the commands that train: the first asks for a polite stop
//! (`tuneup_core::stop`: the batch in progress finishes, the run is recorded, nothing more
//! starts); a second one ends the process at once.

#[cfg(unix)]
extern "C" fn on_signal(sig: libc::c_int) {
    if tuneup_core::stop::request(sig) {
        // Asked twice: stop now (only async-signal-safe calls here).
        unsafe { libc::_exit(130) };
    }
    let msg = b"\nstopping after this batch (again to stop at once)\n";
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
    }
}

/// Installs the handlers.
pub fn install() {
    #[cfg(unix)]
    unsafe {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}
