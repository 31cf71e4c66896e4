//! What every handler shares: the catalog and the accepted token.

use super::state::OmState;
use crate::sim::shared::Shared;

/// What the handlers share.
#[derive(Clone)]
pub struct App {
    /// The catalog.
    pub state: Shared<OmState>,
    /// The accepted bearer token.
    pub jwt: String,
}
