//! hookrelay's benchmark harness.
//!
//! ```text
//! cargo build --release -p hookrelay -p bench
//! target/release/bench [SCENARIO…] [--db sqlite|postgres|both] [--runs N] [--quick]
//!                      [--attempts N] [--base-url URL --token TOKEN] [--markdown FILE]
//!                      [--plot DIR]
//! ```
//!
//! Scenarios: `ingest` (incl. memory), `drain`, `latency`, `fanout`, `noisy`, `pages`
//! (delivery log at depth and every dashboard page), `sweep` (the load curve); default
//! all. Each starts hookrelay itself, a receiver answering 204 on 127.0.0.1, and its own load, and
//! stops by itself. With `--base-url` and `--token` the load scenarios run against any
//! Svix-API server instead. `--quick` shrinks every scenario (the CI smoke test).

mod api;
mod clock;
mod cpu;
mod load;
mod receiver;
mod report;
mod scenarios;
mod seed;
mod stats;
mod target;

use anyhow::bail;

use crate::{receiver::Receiver, report::Figure, target::Backend};

/// What to run and how hard.
#[derive(Debug, Clone)]
pub struct Opts {
    pub scenarios: Vec<String>,
    pub backends: Vec<Backend>,
    pub runs: usize,
    pub quick: bool,
    pub attempts: u64,
    pub external: Option<(String, String)>,
    pub markdown: Option<String>,
    /// A directory for plots (the sweep's SVG).
    pub plot: Option<String>,
}

const ALL: &[&str] = &[
    "ingest", "drain", "latency", "fanout", "noisy", "pages", "sweep",
];

fn parse_args() -> anyhow::Result<Opts> {
    let mut opts = Opts {
        scenarios: Vec::new(),
        backends: vec![Backend::Postgres, Backend::Sqlite],
        runs: 3,
        quick: false,
        attempts: 10_000_000,
        external: None,
        markdown: None,
        plot: None,
    };
    let (mut base, mut token) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--db" => {
                opts.backends = match value()?.as_str() {
                    "sqlite" => vec![Backend::Sqlite],
                    "postgres" => vec![Backend::Postgres],
                    "both" => vec![Backend::Postgres, Backend::Sqlite],
                    other => bail!("--db {other}: expected sqlite, postgres or both"),
                }
            }
            "--runs" => opts.runs = value()?.parse()?,
            "--attempts" => opts.attempts = value()?.parse()?,
            "--quick" => opts.quick = true,
            "--base-url" => base = Some(value()?),
            "--token" => token = Some(value()?),
            "--markdown" => opts.markdown = Some(value()?),
            "--plot" => opts.plot = Some(value()?),
            "-h" | "--help" => {
                println!("{}", include_str!("usage.txt"));
                std::process::exit(0);
            }
            s if ALL.contains(&s) || s == "all" => opts.scenarios.push(s.to_string()),
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    if opts.scenarios.is_empty() || opts.scenarios.iter().any(|s| s == "all") {
        opts.scenarios = ALL.iter().map(|s| s.to_string()).collect();
    }
    opts.external = match (base, token) {
        (Some(b), Some(t)) => Some((b, t)),
        (None, None) => None,
        _ => bail!("--base-url and --token go together"),
    };
    if opts.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(opts)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    clock::start();
    // reqwest is built without a TLS provider of its own (as in hookrelay): use ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = parse_args()?;
    let receiver = Receiver::start().await?;
    println!(
        "hookrelay bench: {} run(s) each{}, receiver at {}",
        opts.runs,
        if opts.quick { ", quick" } else { "" },
        receiver.url
    );
    let mut figures: Vec<Figure> = Vec::new();
    for scenario in &opts.scenarios {
        let found = scenarios::run(scenario, &opts, &receiver).await?;
        figures.extend(found);
    }
    let table = report::table(&figures);
    println!("\n{table}");
    if let Some(path) = &opts.markdown {
        std::fs::write(path, &table)?;
    }
    Ok(())
}
