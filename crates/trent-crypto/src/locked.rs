//! Key bytes in a page of their own, locked in memory where the system permits (`mlock` on
//! Linux and other Unix systems, `VirtualLock` on Windows), so the kernel never writes them to
//! swap. Used for the root key only: each key takes a whole page of the locked-memory budget
//! (`RLIMIT_MEMLOCK`, 8 MiB by default on Linux for an unprivileged process).

use zeroize::Zeroize;

/// The most a locked key holds.
const KEY_CAPACITY: usize = 64;

/// A 4 KiB page, aligned so that it shares its (4 KiB) page with nothing else.
#[repr(C, align(4096))]
struct Page([u8; 4096]);

/// Secret bytes in a locked page; zeroized, then unlocked, when dropped.
pub(crate) struct LockedKey {
    /// Declared first so it is dropped (the page unlocked) after `Drop::drop` wiped the page
    /// and before the page is freed.
    lock: Result<region::LockGuard, String>,
    page: Box<Page>,
    len: usize,
}

impl LockedKey {
    /// Copies `bytes` (at most 64) into a new page and locks it; a refused lock is kept as
    /// its reason (see [`LockedKey::locked`]), not an error: the key still works.
    pub(crate) fn new(bytes: &[u8]) -> Self {
        let mut page = Box::new(Page([0u8; 4096]));
        let len = bytes.len().min(KEY_CAPACITY);
        // Locked before the secret is written, so it is never in an unlocked page.
        let lock = region::lock(page.0.as_ptr(), page.0.len()).map_err(|e| e.to_string());
        page.0[..len].copy_from_slice(&bytes[..len]);
        Self { lock, page, len }
    }

    /// The key bytes.
    pub(crate) fn expose_secret(&self) -> &[u8] {
        &self.page.0[..self.len]
    }

    /// `Ok` when the page is locked, else why not.
    pub(crate) fn locked(&self) -> Result<(), &str> {
        self.lock.as_ref().map(|_| ()).map_err(String::as_str)
    }
}

impl Drop for LockedKey {
    fn drop(&mut self) {
        self.page.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `VmLck` of this process, in kB (Linux).
    #[cfg(target_os = "linux")]
    fn vm_lck_kb() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmLck:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[test]
    fn the_page_is_locked_where_permitted_and_wiped_on_drop() {
        let key = LockedKey::new(&[0xa5; 32]);
        assert_eq!(key.expose_secret(), &[0xa5; 32][..]);
        match key.locked() {
            Ok(()) => {
                #[cfg(target_os = "linux")]
                assert!(vm_lck_kb() >= 4, "VmLck in /proc/self/status counts the locked page");
            }
            Err(reason) => {
                eprintln!("NOTE: mlock is not permitted here ({reason}); the locked state is reported instead");
                assert!(std::env::var("CI").as_deref() != Ok("true"), "CI grants mlock of one page: {reason}");
            }
        }
        drop(key);
    }
}
