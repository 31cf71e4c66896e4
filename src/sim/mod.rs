//! The sandboxes: local, stateful simulators of the OpenMetadata and Alation REST APIs.
//!
//! They are product code, held to the vendors' own clients (allie-sdk runs against the
//! Alation sandbox unchanged). They have their own wire types and never import
//! `crate::{api, source, target, http}`: sharing the client's types would hide exactly
//! the misunderstandings the sandboxes exist to catch.
//!
//! [`Sandbox::start`] serves both APIs in-process on loopback and returns their URLs and
//! the credentials they accept; `metaform sandbox` and the integration tests both use it.
//!
//! Each simulator has the same shape, and the next one (Atlas) copies it:
//! - `mod.rs`: module docs, declarations and the public entry points only (the options
//!   or seed types, the state type, `router(state, …) -> axum::Router`);
//! - `state.rs`: what the simulator stores, serialisable (saved by `persist.rs`), held by
//!   handlers as a [`shared::Shared`];
//! - `app.rs`: `App`, the handler state every handler shares: the `Shared` state and the
//!   settings fixed at start (accepted token, options);
//! - `errors.rs`: `ApiError`, the vendor's error body, which every handler returns;
//! - `clock.rs`: wall-clock reads and the vendor's time stamps, nowhere else;
//! - `routes.rs`: the route table over an `App`, with the fallbacks: the HTTP surface;
//! - domain files beside them for the handlers and their logic (OpenMetadata's read
//!   handlers still sit in its `routes.rs`).
//!
//! Imports point one way: handlers import `app`, `errors`, `clock` and `state`;
//! `routes` imports the handlers; only `mod.rs` imports `routes`.

pub mod alation;
mod credentials;
pub mod faults;
pub mod openmetadata;
mod persist;
mod sandbox;
mod server;
pub mod shared;
pub mod stats;

pub use credentials::Credentials;
pub use sandbox::Sandbox;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use secrecy::SecretString;

use crate::error::Error;

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
    /// The bearer token the OpenMetadata sandbox accepts; random per start when `None`
    /// (or the persisted one when a state file is loaded).
    pub openmetadata_jwt: Option<SecretString>,
}

impl Default for SandboxOptions {
    /// Empty sandboxes on ephemeral loopback ports, without faults or persistence.
    fn default() -> Self {
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        Self {
            openmetadata_addr: loopback,
            alation_addr: loopback,
            seed: Seed::Empty,
            persist: None,
            faults: faults::FaultConfig::default(),
            alation: alation::AlationOptions::default(),
            openmetadata_jwt: None,
        }
    }
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

// The wiring between the sandbox runner and the two simulators: how each is seeded, how
// the fault options reach Alation, and which credentials Alation's seed holds.

/// The OpenMetadata state a [`Seed`] describes.
fn seed_openmetadata(seed: &Seed) -> Result<openmetadata::OmState, Error> {
    match seed {
        Seed::Empty => Ok(openmetadata::OmState::default()),
        Seed::SampleData(dir) => openmetadata::load_sample_data(dir).map_err(|err| {
            Error::Usage(format!(
                "cannot seed the OpenMetadata sandbox from `{}`: {err}",
                dir.display()
            ))
        }),
        Seed::Generated(spec) => Ok(openmetadata::generate(spec)),
    }
}

/// The initial Alation state: its users and a ready refresh token.
fn seed_alation(options: &SandboxOptions) -> alation::AlationState {
    alation::AlationState::seeded(&alation_options(options))
}

/// The Alation options with the fault settings applied.
fn alation_options(options: &SandboxOptions) -> alation::AlationOptions {
    let mut alation = options.alation.clone();
    if let Some(ttl) = options.faults.access_token_ttl {
        alation.access_token_ttl = ttl;
    }
    if let Some(rate) = options.faults.job_failure_rate {
        alation.job_failure_rate = rate;
        alation.seed = options.faults.seed;
    }
    alation
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// `token_ttl` in the fault spec shortens Alation's access tokens; without it the
    /// configured lifetime stands.
    #[test]
    fn fault_spec_sets_the_access_token_lifetime() {
        let mut options = SandboxOptions::default();
        let configured = options.alation.access_token_ttl;
        assert_eq!(alation_options(&options).access_token_ttl, configured);
        options.faults = "token_ttl=30".parse().expect("valid spec");
        assert_eq!(
            alation_options(&options).access_token_ttl,
            Duration::from_secs(30)
        );
    }
}
