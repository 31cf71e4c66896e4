//! The seam between metaform's engines and a target system: what a target must offer so
//! that `plan` and `apply` work on it without knowing which system it is.
//!
//! A target describes itself (for the apply lock and messages), checks its connection,
//! projects the desired [`Catalog`] into the objects and fields it manages (pure), says
//! what it can create and delete ([`Capabilities`]) and what it does not reconcile
//! (notices), reads its current state, and writes batches of plan items through a
//! [`Writer`]. Ordering, batching, skipping under a failed parent, stopping, and the
//! report are the apply engine's ([`crate::apply`]); a writer only turns one batch into
//! the target's requests.
//!
//! Targets are dispatched statically ([`super::AnyTarget`]); the futures here are not
//! required to be `Send` because the engines drive them on one task. A writer is shared
//! by the batches in flight together (up to [`WriteLimits::in_flight`]), so it writes
//! through `&self` and keeps what it learns (ids, counts) behind interior mutability.

use std::fmt;

use crate::check::CheckOutcome;
use crate::core::model::Catalog;
use crate::core::objects::{Address, Object, ObjectKind};
use crate::core::plan::{Action, Capabilities, CurrentState, DesiredState, PlanItem};
use crate::error::Error;

/// Which system a target is and where, as messages and the apply lock name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetDescription {
    /// The system's name, e.g. `Alation`.
    pub system: &'static str,
    /// The base URL, without credentials: one apply lock per URL.
    pub url: String,
}

impl fmt::Display for TargetDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.system, self.url)
    }
}

/// The most items of one kind a target accepts in one write request, whether its
/// deletes of every kind go in one request per data source, and how many batches may be
/// in flight at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteLimits {
    /// Items per request for data sources, schemas, tables and columns, in that order.
    pub per_request: [usize; 4],
    /// Deletes of every kind are sent together, one batch per data source (a target
    /// whose delete is a full-content upload), instead of by kind, columns first.
    pub deletes_together: bool,
    /// Batches written at once, across data sources (at least 1).
    pub in_flight: usize,
}

impl WriteLimits {
    /// Items of `kind` per request (at least 1).
    pub fn of(&self, kind: ObjectKind) -> usize {
        let i = match kind {
            ObjectKind::Datasource => 0,
            ObjectKind::Schema => 1,
            ObjectKind::Table => 2,
            ObjectKind::Column => 3,
        };
        self.per_request[i].max(1)
    }
}

/// What happened to one plan item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemStatus {
    /// The target confirmed the change.
    Applied,
    /// The change failed; the message says why (the target's message when there was one).
    Failed(String),
    /// Not attempted because a parent's creation failed; the message names it.
    Skipped(String),
    /// Needs no write (an orphan, a data source that already exists); says why.
    NoWrite(String),
    /// Not attempted because the apply was stopped before reaching it.
    NotStarted,
}

/// One batch handed to a [`Writer`]: items of one action, one data source and one
/// [`Writer::batch_key`], at most the target's [`WriteLimits`].
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    /// The items' action (`Create`, `Update` or `Delete`).
    pub action: Action,
    /// The items' kind; `None` for deletes sent together ([`WriteLimits::deletes_together`]).
    pub kind: Option<ObjectKind>,
    /// The items, in plan order.
    pub items: &'a [&'a PlanItem],
    /// For deletes: every create and update of the batch's data source in this apply
    /// that the target confirmed (all of them have ended by then). Empty for creates
    /// and updates.
    pub applied: &'a [&'a PlanItem],
}

/// What a batch came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// One status per item, in the batch's order.
    Each(Vec<ItemStatus>),
    /// The whole batch failed (transport, server error, a failed job), with the message.
    Failed(String),
    /// The target refused the batch because of what it carries, so that the items sent
    /// without the refused ones may succeed: the engine sends it again in halves.
    Refused(String),
}

impl BatchOutcome {
    /// Every item of a batch of `n` applied.
    pub fn applied(n: usize) -> BatchOutcome {
        BatchOutcome::Each(vec![ItemStatus::Applied; n])
    }
}

/// A target system: Alation, OpenMetadata, ….
#[expect(
    async_fn_in_trait,
    reason = "dispatched statically and driven on one task: no `Send` bound is needed"
)]
pub trait Target {
    /// What writes this target's batches during one apply.
    type Writer<'a>: Writer
    where
        Self: 'a;

    /// Which system and where.
    fn describe(&self) -> TargetDescription;

    /// Checks the connection and the credentials, and whether they may write.
    async fn check(&self) -> Vec<CheckOutcome>;

    /// Pairs of desired objects the target would hold as one, each as the address whose
    /// state file reports it and the refusal in words (`file_of` names an object's
    /// state file). Pure.
    fn name_conflicts(
        &self,
        catalog: &Catalog,
        file_of: &dyn Fn(&Address) -> String,
    ) -> Vec<(Address, String)>;

    /// The desired data sources (`[service, database]`) and objects, with the fields
    /// the target manages. Pure.
    fn project(&self, catalog: &Catalog) -> (Vec<Address>, Vec<Object>);

    /// What the target can create and delete.
    fn capabilities(&self) -> Capabilities;

    /// What `catalog` holds that this target does not reconcile, said once per plan.
    fn notices(&self, catalog: &Catalog) -> Vec<String>;

    /// The desired state of `catalog` as this target sees it, for the plan engine: its
    /// projection, capabilities and notices.
    fn desired_state(&self, catalog: &Catalog) -> DesiredState {
        let (datasources, objects) = self.project(catalog);
        DesiredState {
            datasources,
            objects,
            capabilities: self.capabilities(),
            notices: self.notices(catalog),
        }
    }

    /// Reads what the target holds now for the databases of `catalog`.
    async fn read_current(&self, catalog: &Catalog) -> Result<CurrentState, Error>;

    /// The request limits the apply engine batches to.
    fn limits(&self) -> WriteLimits;

    /// A writer for one apply of a plan made from `catalog` against `current`.
    fn writer<'a>(&'a self, catalog: &'a Catalog, current: &'a CurrentState) -> Self::Writer<'a>;
}

/// Writes batches of plan items to a target during one apply.
#[expect(
    async_fn_in_trait,
    reason = "dispatched statically and driven on one task: no `Send` bound is needed"
)]
pub trait Writer {
    /// Whether `item` can be written now (e.g. its data source has an id); an error
    /// fails it alone, before any batch is formed. Cheap: it runs for every item.
    fn prepare(&self, item: &PlanItem) -> Result<(), String>;

    /// Splits one data source's items of one step into separate requests (e.g. full
    /// writes apart from partial ones); items with equal keys may share a request.
    fn batch_key(&self, item: &PlanItem) -> u8;

    /// Sends one batch, while other batches may be in flight: of the same step (same
    /// action and kind, any data source), or of other steps of other data sources. An
    /// item that turns out not to be writable while its request is built fails alone
    /// ([`ItemStatus::Failed`] in [`BatchOutcome::Each`]) and the others are sent.
    async fn write(&self, batch: Batch<'_>) -> BatchOutcome;

    /// Write requests sent so far (not polls of asynchronous jobs).
    fn write_requests(&self) -> usize;
}
