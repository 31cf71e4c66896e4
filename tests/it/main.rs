//! The one integration-test binary: a module per behaviour, each talking to the
//! sandboxes over real HTTP on 127.0.0.1.

mod cli_misc;
mod faults;
mod layering;
mod sandbox;
mod support;
