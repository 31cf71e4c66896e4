//! The pure core: the catalog model, desired-state files, the plan engine and renderers.
//!
//! Nothing in here performs I/O, reads the clock or the environment, or imports an
//! adapter (`api`, `source`, `target`, `http`, `sim`). Commands gather inputs, call the
//! core and render its results.

pub mod escape;
pub mod model;
#[cfg(test)]
pub(crate) mod model_builders;
pub mod normalize;
pub mod objects;
pub mod plan;
pub mod render;
pub mod state;
pub mod table_kind;
