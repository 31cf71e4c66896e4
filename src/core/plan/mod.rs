//! The plan engine: diff desired and current objects under a policy.

mod item;

pub use item::{Action, CurrentState, DatasourceBinding, FieldChange, Ownership, PlanItem};
