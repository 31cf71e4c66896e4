//! The one integration-test binary: a module per behaviour, each talking to the
//! sandboxes over real HTTP on 127.0.0.1.

mod alation_target;
mod allie_sdk;
mod layering;
mod sim_alation;
