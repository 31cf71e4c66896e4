//! metaform: a GitOps reconciler for data catalogs.
//!
//! The crate is layered so that the decisions are pure and the I/O is at the edges:
//! - [`core`]: the catalog model, desired-state files, the plan engine and its renderers.
//!   No network, no file system, no clock.
//! - [`sim`]: the sandboxes, local stateful simulators of the OpenMetadata and Alation
//!   REST APIs. They have their own wire types and never import the clients, so a
//!   misunderstanding of an API cannot hide on both sides at once.
//! - [`commands`]: one module per subcommand, orchestration only.

pub mod cli;
pub mod commands;
pub mod core;
pub mod error;
pub mod http;
pub mod sim;
