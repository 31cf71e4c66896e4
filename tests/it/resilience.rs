//! Reliability under faults, kills and concurrency (SPEC §6): applies converge, a
//! killed or interrupted apply loses nothing, and two applies never interleave.

pub mod cycle;
mod fault_matrix;
mod interrupt;
mod kill;
mod lock;
mod lost;
mod retries;
