//! Targets: read a system's current state into [`crate::core::objects::Object`]s and
//! execute plan items against it.

pub mod alation;
