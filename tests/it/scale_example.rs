//! The scale benchmark (`examples/scale.rs`) runs end to end at a tiny size: its steps
//! are shared from `examples/scale/`, run here against the binary under test, so a
//! change that breaks the benchmark (an output it reads, a step that no longer exits
//! as it expects) fails CI, while the benchmark itself stays out of the test run.

#[path = "../../examples/scale/bench.rs"]
mod bench;
#[path = "../../examples/scale/edit.rs"]
mod edit;
#[path = "../../examples/scale/measure.rs"]
mod measure;
#[path = "../../examples/scale/report.rs"]
#[allow(
    dead_code,
    reason = "the example prints the table; the test checks the rows"
)]
mod report;
#[path = "../../examples/scale/sandbox.rs"]
mod sandbox;

use std::path::Path;

use crate::workspace::config;

/// Every step of the benchmark runs and exits as expected at 1x1x2x10x3, with a
/// latency run: the second snapshot writes nothing, both applies make exactly the
/// minimum of write requests, and every step has its peak memory.
#[test]
fn scale_example_runs_at_a_tiny_size() {
    let workspace = tempfile::tempdir().expect("a temporary directory");
    let options = bench::Options {
        spec: "1x1x2x10x3".parse().expect("a valid spec"),
        latency_ms: Some(5),
    };
    let outcome = bench::run(
        Path::new(env!("CARGO_BIN_EXE_metaform")),
        workspace.path(),
        &options,
    );
    assert_eq!(outcome.error, None);
    assert_eq!(outcome.failures, Vec::<String>::new());
    let steps: Vec<&str> = outcome.rows.iter().map(|r| r.step.as_str()).collect();
    assert_eq!(steps.len(), 10, "{steps:?}");
    assert!(steps[3].starts_with("first plan --out ("), "{steps:?}");
    assert_eq!(steps[9], "no-change plan, 5 ms latency");
    let minimum = bench::minimum_first_apply_writes(&options.spec);
    assert_eq!(
        minimum, 4,
        "1 data source, 1 schema, 1 table and 1 column batch"
    );
    assert_eq!(outcome.rows[4].minimum_writes, Some(minimum));
    assert_eq!(outcome.rows[8].minimum_writes, Some(1));
    for row in &outcome.rows {
        assert!(row.peak_rss > 0, "{}", row.step);
    }
    let cpu: std::time::Duration = outcome.rows.iter().map(|row| row.cpu).sum();
    assert!(!cpu.is_zero());
    assert!(outcome.rows[0].traffic.openmetadata.requests > 0);
    assert!(outcome.rows[2].traffic.alation.requests > 0);
    assert!(outcome.sandbox.peak_rss > 0);
}
