//! The plan engine: diff desired and current objects under a policy.
