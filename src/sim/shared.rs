//! State shared between a sandbox's request handlers, with change tracking for persistence.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokio::sync::Notify;

/// A sandbox's state behind a lock. Every write bumps a version and wakes the persister.
///
/// Handlers must not hold a guard across an `.await`.
pub struct Shared<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    state: RwLock<T>,
    version: AtomicU64,
    changed: Notify,
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> Shared<T> {
    /// Wraps an initial state.
    pub fn new(state: T) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: RwLock::new(state),
                version: AtomicU64::new(0),
                changed: Notify::new(),
            }),
        }
    }

    /// Locks the state for reading.
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.inner
            .state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Locks the state for writing; the change is recorded when the guard drops.
    pub fn write(&self) -> WriteGuard<'_, T> {
        WriteGuard {
            guard: self
                .inner
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
            inner: &self.inner,
        }
    }

    /// How many writes have happened so far.
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::Acquire)
    }

    /// Waits until the next write after this call.
    pub async fn changed(&self) {
        self.inner.changed.notified().await;
    }
}

/// A write lock on [`Shared`] state that records the change on drop.
pub struct WriteGuard<'a, T> {
    guard: RwLockWriteGuard<'a, T>,
    inner: &'a Inner<T>,
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        self.inner.version.fetch_add(1, Ordering::AcqRel);
        self.inner.changed.notify_waiters();
    }
}
