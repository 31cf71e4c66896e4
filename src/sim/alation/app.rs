//! What every handler shares: the sandbox's data and the options it was started with.

use std::sync::Arc;

use super::AlationOptions;
use super::state::AlationState;
use crate::sim::shared::Shared;

/// What the handlers share.
#[derive(Clone)]
pub(super) struct App {
    /// The sandbox's data.
    pub(super) state: Shared<AlationState>,
    /// Token lifetimes, job failures and their seed.
    pub(super) options: Arc<AlationOptions>,
}

impl App {
    /// The sandbox's time in microseconds since the epoch.
    pub(super) fn now(&self) -> i64 {
        self.options.clock.now_micros()
    }
}
