//! The one integration-test binary: a module per behaviour, each talking to the
//! sandboxes over real HTTP on 127.0.0.1.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "tests show measurements and diagnostics on the test harness's own output; the rule that output goes through the Printer is the product's"
)]

mod alation_target;
mod allie_sdk;
mod bad_input;
mod cli_commands;
mod cli_misc;
mod example_state;
mod faults;
mod hostile_names;
mod hostile_servers;
mod layering;
mod memory_target;
mod openmetadata_source;
mod openmetadata_source_faults;
mod policy;
mod progress;
mod reconcile;
mod resilience;
mod sandbox;
mod scale_example;
mod secrets;
mod sim_alation;
mod sim_openmetadata;
mod snapshot_command;
mod snapshot_streaming;
mod state_files;
mod state_tree;
mod support;
mod workspace;
