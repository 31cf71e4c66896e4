//! The sandboxes: local, stateful simulators of the OpenMetadata and Alation REST APIs.
//!
//! They are product code, held to the vendors' own clients (allie-sdk runs against the
//! Alation sandbox unchanged). They have their own wire types and never import
//! `crate::{api, source, target, http}`: sharing the client's types would hide exactly
//! the misunderstandings the sandboxes exist to catch.
//!
//! [`Sandbox::start`] serves both APIs in-process on loopback and returns their URLs and
//! the credentials they accept; `metaform sandbox` and the integration tests both use it.

pub mod alation;
pub mod faults;
pub mod openmetadata;
pub mod persist;
pub mod shared;

use std::net::SocketAddr;
use std::path::PathBuf;

/// How to start the sandboxes.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Address of the OpenMetadata API; port 0 picks an ephemeral port.
    pub openmetadata_addr: SocketAddr,
    /// Address of the Alation API; port 0 picks an ephemeral port.
    pub alation_addr: SocketAddr,
    /// What the OpenMetadata sandbox holds at start (ignored when `persist` has a state).
    pub seed: Seed,
    /// File the state is loaded from (if present) and saved to, atomically.
    pub persist: Option<PathBuf>,
    /// Faults to inject.
    pub faults: faults::FaultConfig,
    /// Alation behaviour: token lifetimes and the like.
    pub alation: alation::AlationOptions,
}

/// The initial content of the OpenMetadata sandbox.
#[derive(Debug, Clone)]
pub enum Seed {
    /// No catalog.
    Empty,
    /// OpenMetadata sample-data-shaped JSON in a directory.
    SampleData(PathBuf),
    /// A deterministic synthetic catalog.
    Generated(openmetadata::GenerateSpec),
}
