//! The plan engine: diff desired and current objects under a policy.
//!
//! [`plan`] is pure: it takes the desired state (projected by the target adapter), the
//! current state (read by the target adapter) and the policy, and returns a [`Plan`] that
//! the renderers show and the apply engine executes. [`PlanFile`] is the saved form that
//! `apply` runs after checking it is not stale.

mod capabilities;
mod datasource;
mod engine;
mod glob;
mod item;
mod plan_file;
mod planned;
mod policy;

pub use capabilities::Capabilities;
pub use datasource::{belongs_to, datasource_of, datasource_path};
pub use engine::{DesiredState, PlanError, Side, plan, plan_taking, same_value};
pub use glob::glob_match;
pub use item::{Action, CurrentState, DatasourceBinding, FieldChange, Ownership, PlanItem};
pub use plan_file::{
    BeforeHash, PLAN_FORMAT_VERSION, PlanFile, PlanFileError, StalePlan, check_fresh, check_items,
    desired_sha256, sha256_hex, stale_objects,
};
pub use planned::{DatasourceGroup, Plan, Summary};
pub use policy::{Excess, IgnoreRule, Policy, PolicyViolation, Prune};

#[cfg(test)]
mod convergence_tests;
#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod plan_file_tests;
#[cfg(test)]
mod set_tests;
#[cfg(test)]
mod tests;
