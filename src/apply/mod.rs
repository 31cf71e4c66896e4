//! The apply engine, the same for every target (SPEC §6): executes plan items through a
//! target's [`Writer`](crate::target::Writer) and reports each item's outcome.
//!
//! - Order: creates and updates kind by kind, parents first (data sources, schemas,
//!   tables, columns; at each level creates before updates), then deletes in reverse
//!   (columns first), or together per data source when the target asks for it. Every
//!   data source is written first, and every create and update ends before the first
//!   delete; in between, each data source goes through its steps on its own.
//! - Batches: one step's items are grouped by data source and by the writer's batch key,
//!   in chunks of the target's [`WriteLimits`](crate::target::WriteLimits). The batches
//!   of a step are in flight together, up to `WriteLimits::in_flight` across all data
//!   sources; a data source's next step starts once its current one has ended, so a
//!   child is only sent after its parent's batch succeeded.
//! - A batch the target refuses because of its content is sent again in halves, down to
//!   single items, so that a refused item fails alone with its own message; at most
//!   [`MAX_ISOLATION_REQUESTS`] extra requests are spent on one chunk. Any other failure
//!   is the whole batch's.
//! - A failure does not stop the run: items under a failed create are skipped, and
//!   everything else goes on; running plan and apply again converges.
//! - A raised stop flag (SIGINT, SIGTERM) starts no new batch: those in flight end and
//!   are reported, and every item not reached is reported not started.
//! - A progress hook hears after every batch how many items are done.

mod engine;
mod report;

pub use engine::{MAX_ISOLATION_REQUESTS, Progress, apply};
pub use report::{ApplyReport, Counts, ItemOutcome};
