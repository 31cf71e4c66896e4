//! metaform: a GitOps reconciler for data catalogs.
//!
//! The crate is layered so that the decisions are pure and the I/O is at the edges:
//! - [`core`]: the catalog model, desired-state files, the plan engine and its renderers.
//!   No network, no file system, no clock.
//! - [`source`] and [`target`]: the seams ([`source::Source`], [`target::Target`]) and
//!   one adapter per system and direction, over the typed clients in [`api`] and the
//!   retrying [`http`] client.
//! - [`apply`]: the apply engine, the same for every target: order, batches, skips under
//!   a failed parent, the report.
//! - [`sim`]: the sandboxes, local stateful simulators of the OpenMetadata and Alation
//!   REST APIs. They have their own wire types and never import the clients, so a
//!   misunderstanding of an API cannot hide on both sides at once.
//! - [`commands`]: one module per subcommand, orchestration only.
//! - [`progress`]: the counters of a long run, which [`output`] shows.

pub mod api;
pub mod apply;
pub mod apply_lock;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod core;
pub mod error;
pub mod exit_status;
pub mod fs_mode;
pub mod http;
pub mod output;
pub mod progress;
pub mod sim;
pub mod source;
pub mod target;
