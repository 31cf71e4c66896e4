//! Reliability under faults, kills and concurrency (SPEC §6): applies converge, a
//! killed or interrupted apply loses nothing, and two applies never interleave.

pub mod cycle;
mod fault_matrix;
mod interrupt;
mod kill;
mod lock;
mod lost;
mod retries;

// The configuration file the cycles write; `examples/fault_matrix.rs` includes
// `cycle.rs` and `workspace/config.rs` by path, beside each other as here.
use crate::workspace::config;
