//! Process hardening for `trent server`: no core dumps. A core file would hold the root key,
//! the cached backing keys and any plaintext in flight, and would land where the system's
//! `core_pattern` says, outside the data directory's permissions.

/// Sets the core-file size limit (soft and hard) to zero and, on Linux, marks the process not
/// dumpable (no core file even if the limit is raised again, no `ptrace` attach by other
/// processes of the same user, `/proc/<pid>/mem` readable by root only).
///
/// # Errors
/// The system call's error; the caller decides whether to go on (the CLI warns).
pub fn disable_core_dumps() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        setrlimit(Resource::Core, Rlimit { current: Some(0), maximum: Some(0) }).map_err(std::io::Error::from)?;
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        set_dumpable_behavior(DumpableBehavior::NotDumpable).map_err(std::io::Error::from)?;
    }
    Ok(())
}
