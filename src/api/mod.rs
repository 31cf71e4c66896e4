//! Typed REST clients, one per system: endpoints, wire types, paging, jobs.

pub mod alation;
pub mod openmetadata;
