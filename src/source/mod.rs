//! Sources: read a system into the canonical [`crate::core::model::Catalog`].

pub mod openmetadata;
