//! State that belongs to one process: what a `fork()`ed child must not inherit.
//!
//! A forked child gets a copy of the parent's memory but only the thread that called `fork`. A
//! connection pool copied that way holds the parent's sockets (writing on them interleaves with the
//! parent's requests) and connection tasks of a runtime whose threads do not exist (a request handed
//! to one waits forever); a semaphore or lock copied while a parent thread held it is never released.
//! [`PerProcess`] holds such a value and gives each process its own: the first use in a new process
//! builds a fresh one from the inherited one (which is never touched again, only read by `renew`).

use std::marker::PhantomData;
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

/// The id of this process. A child's differs from its parent's for as long as the parent lives.
pub fn pid() -> u32 {
    std::process::id()
}

/// A value of which every process has its own, built on its first use there.
///
/// Reads are lock-free (a lock copied into a child while a parent thread held it would never be
/// released there). A value left behind by a fork is leaked, not dropped: dropping it could act on
/// the parent's sockets or wait for threads that are not there. That is one value per fork.
pub struct PerProcess<T> {
    /// The process that built `value` (0: none yet).
    pid: AtomicU32,
    /// A leaked `Box<T>` (or null), valid as long as `self`: replaced values are never freed.
    value: AtomicPtr<T>,
    /// Serializes the renewal in a new process (taken only then, never while forking).
    renewing: Mutex<()>,
    _owns: PhantomData<Box<T>>,
}

// SAFETY: `PerProcess<T>` hands out `&T` across threads and moves `T` between them, as a
// `Mutex<T>` of a `Send + Sync` value would.
unsafe impl<T: Send + Sync> Send for PerProcess<T> {}
unsafe impl<T: Send + Sync> Sync for PerProcess<T> {}

impl<T> Default for PerProcess<T> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<T> PerProcess<T> {
    /// No value yet (for a `static`): the first `get` of each process builds one.
    pub const fn empty() -> Self {
        PerProcess {
            pid: AtomicU32::new(0),
            value: AtomicPtr::new(std::ptr::null_mut()),
            renewing: Mutex::new(()),
            _owns: PhantomData,
        }
    }

    /// `value`, as this process's.
    pub fn new(value: T) -> Self {
        PerProcess {
            pid: AtomicU32::new(pid()),
            value: AtomicPtr::new(Box::into_raw(Box::new(value))),
            renewing: Mutex::new(()),
            _owns: PhantomData,
        }
    }

    /// This process's value; in a process other than the one that built the current value, a new
    /// one from `renew(inherited)` first (`None` when there was none).
    pub fn get(&self, renew: impl FnOnce(Option<&T>) -> T) -> &T {
        let me = pid();
        if self.pid.load(Ordering::Acquire) == me {
            // SAFETY: the pointer came from `Box::into_raw` and is freed only by `Drop` (`&mut self`).
            return unsafe { &*self.value.load(Ordering::Acquire) };
        }
        let _guard = self.renewing.lock().unwrap_or_else(|e| e.into_inner());
        if self.pid.load(Ordering::Acquire) != me {
            // SAFETY: as above; the inherited value stays allocated (leaked) after the swap.
            let inherited = unsafe { self.value.load(Ordering::Acquire).as_ref() };
            let fresh = Box::into_raw(Box::new(renew(inherited)));
            // The value before the pid: a reader that sees this process's pid sees its value.
            self.value.store(fresh, Ordering::Release);
            self.pid.store(me, Ordering::Release);
            tracing::debug!(pid = me, "new process: per-process client state rebuilt");
        }
        // SAFETY: as above.
        unsafe { &*self.value.load(Ordering::Acquire) }
    }

    /// True when the current value was built in this process.
    pub fn is_current(&self) -> bool {
        self.pid.load(Ordering::Acquire) == pid()
    }
}

impl<T> Drop for PerProcess<T> {
    fn drop(&mut self) {
        // A value inherited from a parent is leaked (see the type's docs).
        let value = *self.value.get_mut();
        if self.is_current() && !value.is_null() {
            // SAFETY: built by `Box::into_raw`, no `&T` outlives `&mut self`.
            drop(unsafe { Box::from_raw(value) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_process() {
        let cell = PerProcess::new(1);
        assert_eq!(*cell.get(|_| unreachable!("same process")), 1);
        // Pretend the value was built by another process, as a forked child sees it.
        cell.pid.store(pid().wrapping_add(1), Ordering::Release);
        assert!(!cell.is_current());
        assert_eq!(*cell.get(|old| old.unwrap() + 1), 2);
        assert!(cell.is_current());
        assert_eq!(*cell.get(|_| unreachable!("renewed once")), 2);
    }

    #[test]
    fn empty_until_first_use() {
        static CELL: PerProcess<String> = PerProcess::empty();
        assert!(!CELL.is_current());
        assert_eq!(CELL.get(|old| format!("{old:?}")), "None");
        assert_eq!(CELL.get(|_| unreachable!()), "None");
    }
}
