//! Desired-state files: the YAML text form of the catalog model (SPEC §3).
