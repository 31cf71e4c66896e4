//! Alation as a target (SPEC §4, §4.1): read the current state of the data sources in
//! scope into [`crate::core::objects::Object`]s, and execute plan items against it.
//!
//! - [`mapping`]: desired catalog and Alation items -> objects (pure).
//! - [`keys`]: Alation keys, data source markers, foreign key references (pure).
//! - `after`: what the target holds once items are applied, for complete writes (pure).
//! - [`collisions`]: desired names that Alation would hold as one object (pure).
//! - `unmanaged`: the Alation fields metaform carries but does not manage (pure).
//! - `unwritten`: what the desired state holds that this target does not write yet
//!   (tags, lineage), said once per plan (pure).
//! - `read`: binds each desired database to a data source and reads it.
//! - `write`: batches of the apply engine as Alation requests, each job polled to its
//!   end; deletes through the Virtual Data Source API.
//! - `check`: the credentials and whether the user may write.
//! - [`Alation`]: all of it behind the [`crate::target::Target`] seam.
//!
//! Choices made where the reference marks a fact UNVERIFIED:
//! - key quoting of names with `.`, and the escaping of `"` and `\` in them ([`keys`]);
//! - the marker `metaform://<source-kind>/<fqn>` in a created data source's `uri`, matched
//!   exactly; with several matches the lowest id wins ([`keys::marker`], `read`);
//! - the `dbtype` of a virtual data source (`datasource::virtual_dbtype`);
//! - a Virtual Data Source upload may reset key flags, so they are PATCHed again after
//!   it (`write`).
//!
//! Every complete write (a POST, an upload) carries the current value of each field the
//! plan does not change (`after`), and the fields metaform does not manage at all as
//! they were read (`unmanaged`): a write never changes what the plan does not show.

mod adapter;
mod after;
mod check;
pub mod collisions;
mod datasource;
pub mod keys;
pub mod mapping;
mod payload;
mod read;
mod unmanaged;
mod unwritten;
mod write;

pub use adapter::Alation;
pub use write::AlationWriter;

/// A `datasourceLinks` entry: an existing Alation data source that stands for a
/// source database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasourceLink {
    /// The Alation data source id.
    pub datasource_id: i64,
    /// The source service name (decoded).
    pub service: String,
    /// The database name (decoded).
    pub database: String,
}

/// How a database that no `datasourceLinks` entry names is created in Alation
/// (`target.createDatasourceAs`, written `virtual` or `ocf`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CreateDatasourceAs {
    /// A virtual data source: metaform owns it and can delete its objects.
    #[default]
    Virtual,
    /// An OCF data source with the connector of the source's service type; its objects
    /// cannot be deleted through the API.
    Ocf,
}
