//! Saving and loading the sandboxes' state, atomically.
