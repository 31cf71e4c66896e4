//! What an apply did: one outcome per item, counts, and the exit status they give.

use crate::core::objects::Address;
use crate::core::plan::Action;
use crate::exit_status::ExitStatus;
use crate::target::ItemStatus;

/// One plan item's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOutcome {
    /// The item's action.
    pub action: Action,
    /// The item's object.
    pub address: Address,
    /// What happened.
    pub status: ItemStatus,
}

/// The result of executing a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// One outcome per plan item, in the order given.
    pub outcomes: Vec<ItemOutcome>,
    /// Write requests sent (not polls of asynchronous jobs).
    pub write_requests: usize,
}

/// How many items ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Confirmed by the target.
    pub applied: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped under a failed parent.
    pub skipped: usize,
    /// Not reached before the apply was stopped.
    pub not_started: usize,
}

impl ApplyReport {
    /// Whether every item was applied or needed no write.
    pub fn is_success(&self) -> bool {
        self.outcomes
            .iter()
            .all(|o| matches!(o.status, ItemStatus::Applied | ItemStatus::NoWrite(_)))
    }

    /// The counts of the summary line.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for outcome in &self.outcomes {
            match outcome.status {
                ItemStatus::Applied => counts.applied += 1,
                ItemStatus::Failed(_) => counts.failed += 1,
                ItemStatus::Skipped(_) => counts.skipped += 1,
                ItemStatus::NotStarted => counts.not_started += 1,
                ItemStatus::NoWrite(_) => {}
            }
        }
        counts
    }

    /// Success when everything was applied, else partial (exit 3).
    pub fn exit_status(&self) -> ExitStatus {
        if self.is_success() {
            ExitStatus::Success
        } else {
            ExitStatus::Partial
        }
    }
}
