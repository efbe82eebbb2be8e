//! The harness itself works: every scenario, on SQLite and on PostgreSQL + Redis, in
//! `--quick` mode against the debug build, finishes by itself and reports a figure
//! for each target. (The figures of a debug build under test load mean nothing; the
//! release figures are in BENCHMARKS.md.) The sweep draws its plot.

use std::process::Command;

#[test]
fn every_scenario_runs_to_completion_on_both_databases() {
    let plots = tempfile::tempdir().expect("a directory for the plots");
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["--quick", "--runs", "1", "--db", "both", "all", "--plot"])
        .arg(plots.path())
        .output()
        .expect("the bench binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench failed:\n{stdout}\n{stderr}");
    println!("{stdout}");
    for target in ["sqlite", "postgres+redis"] {
        for figure in [
            "| ingest | TARGET | POST /msg, 32 connections |",
            "| memory | TARGET | RSS peak under ingest |",
            "| drain | TARGET | backlog of 1000, 1 endpoint |",
            "| latency | TARGET | e2e p99 at 50 msg/s |",
            "| fanout | TARGET | 3 msgs × 100 endpoints |",
            "| noisy | TARGET | ratio crowded / alone |",
            "| pages | TARGET | page log, 1000 deep p99 |",
            "| pages | TARGET | page endpoint (24 h chart) p99 |",
            "| sweep | TARGET | capacity, 32 connections |",
            "| sweep | TARGET | e2e p99 at 90 % (",
        ] {
            let figure = figure.replace("TARGET", target);
            assert!(stdout.contains(&figure), "no {figure:?} in:\n{stdout}");
        }
        let plot = plots
            .path()
            .join(format!("sweep-{}.svg", target.replace('+', "-")));
        let svg = std::fs::read_to_string(&plot).expect("the sweep's plot");
        assert!(
            svg.starts_with("<svg") && svg.matches("<polyline").count() == 3,
            "{plot:?} is not the three-line plot:\n{svg}"
        );
    }
}
