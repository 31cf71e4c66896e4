//! Fault injection for the sandboxes, deterministic under a seed.

/// Which faults to inject, how often, and where.
#[derive(Debug, Clone, Default)]
pub struct FaultConfig {}
