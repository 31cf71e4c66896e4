//! The Alation sandbox over real HTTP: tokens and roles, data sources, the schema/table/
//! column API with paging and upserts, Virtual Data Source uploads and jobs.

mod auth;
mod datasources;
mod listing;
mod persisted;
mod properties;
mod rdbms;
pub mod support;
mod vds;
