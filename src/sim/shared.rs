//! State shared between a sandbox's request handlers, with change tracking for persistence.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokio::sync::watch;

/// A sandbox's state behind a lock. Every write bumps a version and wakes the persister.
///
/// Handlers must not hold a guard across an `.await`.
pub struct Shared<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    state: RwLock<T>,
    /// The number of writes so far; a watch channel so that a waiter never misses one.
    version: watch::Sender<u64>,
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
                version: watch::Sender::new(0),
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
        *self.inner.version.borrow()
    }

    /// Waits until the version is past `seen` (at once if it already is) and returns it.
    pub async fn changed_since(&self, seen: u64) -> u64 {
        let mut receiver = self.inner.version.subscribe();
        // The sender lives as long as `self`, so waiting cannot fail.
        match receiver.wait_for(|version| *version > seen).await {
            Ok(version) => *version,
            Err(_) => seen,
        }
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
        self.inner.version.send_modify(|version| *version += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write after the waiter started, or before it, wakes it with the new version.
    #[tokio::test]
    async fn changed_since_sees_every_write() {
        let shared = Shared::new(0u32);
        *shared.write() += 1;
        assert_eq!(shared.changed_since(0).await, 1);
        let waiter = {
            let shared = shared.clone();
            tokio::spawn(async move { shared.changed_since(1).await })
        };
        tokio::task::yield_now().await;
        *shared.write() += 1;
        assert_eq!(waiter.await.expect("waiter finishes"), 2);
        assert_eq!(*shared.read(), 2);
    }
}
