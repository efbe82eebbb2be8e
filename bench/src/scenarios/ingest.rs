//! Ingest: `POST /msg` to an application with one endpoint, 32 connections, closed
//! loop. 202 means committed, so this is durable throughput. The ceiling is the same
//! server answering `GET /health` to the same load generator: what HTTP alone
//! costs here. Memory: RSS idle before the load, and the peak (VmHWM) after it.
//!
//! The main figure is a server that also delivers what it accepts, on the same two
//! cores. A second one (hookrelay only) runs `--role api`: accepting alone, what a
//! deployment with separate worker processes gets from its API process.

use std::{sync::Arc, time::Duration};

use super::{Target, await_arrivals, secs};
use crate::{Opts, cpu::ProcessClock, load, receiver::Receiver, report::Figure, target::rss_mib};

const CONNECTIONS: usize = 32;

pub async fn run(opts: &Opts, rx: &Receiver, target: &Target) -> anyhow::Result<Vec<Figure>> {
    let label = target.label();
    let setup = target
        .one_endpoint("all", "ingest", &format!("{}/ingest", rx.url))
        .await?;
    let (managed, api, make) = (&setup.managed, &setup.tenant.api, setup.make.clone());
    let pid = managed.as_ref().and_then(|m| m.pid());
    // Idle: three seconds after its last request. hookrelay hands memory freed by
    // that request (a sign-up's Argon2 buffer, 19 MiB) back within two (main.rs).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = pid.and_then(rss_mib).map(|(rss, _)| rss);

    let health: load::MakeRequest = {
        // hookrelay answers health at the root; Svix under /api/v1.
        let path = match target {
            Target::Managed(_) => "/health",
            Target::External { .. } => "/api/v1/health/",
        };
        let (client, url) = (api.client.clone(), format!("{}{path}", api.base));
        Arc::new(move |_| client.get(&url))
    };
    // Warm up connections, caches and the database's pages.
    rx.arrivals.reset();
    let warm = load::closed_loop(CONNECTIONS, secs(opts, 2.0, 0.3), u64::MAX, make.clone()).await;
    await_arrivals(rx, warm.ok, Duration::from_secs(120)).await?;

    let (mut rate, mut p50, mut p99, mut ceiling) = (vec![], vec![], vec![], vec![]);
    let mut own_cpu = vec![];
    for run in 0..opts.runs {
        rx.arrivals.reset();
        let own = ProcessClock::now(pid);
        let r = timed_run(opts, &make, &format!("run {}", run + 1)).await?;
        rate.push(r.per_second());
        p50.push(r.latency.p50 as f64 / 1e3);
        p99.push(r.latency.p99 as f64 / 1e3);
        // Every accepted message is delivered before the next run starts.
        await_arrivals(rx, r.ok, Duration::from_secs(300)).await?;
        own_cpu.extend(ProcessClock::micros_per(own, r.ok));
        let c =
            load::closed_loop(CONNECTIONS, secs(opts, 3.0, 0.3), u64::MAX, health.clone()).await;
        ceiling.push(c.per_second());
    }
    let peak = pid.and_then(rss_mib).map(|(_, hwm)| hwm);

    let mut figures = vec![
        Figure::new("ingest", &label, "POST /msg, 32 connections", "msg/s")
            .runs(rate)
            .goal("≥ 5,000 (PostgreSQL)")
            .ceiling(&ceiling, "GET /health at 32 connections"),
        Figure::new("ingest", &label, "p50 latency", "ms").runs(p50),
        Figure::new("ingest", &label, "p99 latency", "ms")
            .runs(p99)
            .goal("≤ 20"),
    ];
    if !own_cpu.is_empty() {
        // Accepting and delivering each message, apart from PostgreSQL and Redis.
        figures.push(
            Figure::new("ingest", &label, "hookrelay's own CPU per message", "µs").runs(own_cpu),
        );
    }
    drop(setup);
    if matches!(target, Target::Managed(_)) {
        figures.push(accept_only(opts, target).await?);
    }
    if let (Some(idle), Some(peak)) = (idle, peak) {
        figures.push(
            Figure::new("memory", &label, "RSS idle", "MiB")
                .runs(vec![idle])
                .goal("≤ 40"),
        );
        figures.push(
            Figure::new("memory", &label, "RSS peak under ingest", "MiB")
                .runs(vec![peak])
                .goal("≤ 100"),
        );
    }
    Ok(figures)
}

/// `POST /msg` throughput of a server that only accepts (`--role api`): the
/// deliveries stay queued, no CPU goes to sending them.
async fn accept_only(opts: &Opts, target: &Target) -> anyhow::Result<Figure> {
    let setup = target
        .one_endpoint("api", "ingest-api-only", "http://127.0.0.1:9/unused")
        .await?;
    let make = setup.make.clone();
    load::closed_loop(CONNECTIONS, secs(opts, 2.0, 0.3), u64::MAX, make.clone()).await;
    let mut rate = vec![];
    for run in 0..opts.runs {
        let r = timed_run(opts, &make, &format!("run {} (accepting only)", run + 1)).await?;
        rate.push(r.per_second());
    }
    Ok(Figure::new(
        "ingest",
        &target.label(),
        "… accepting only (--role api)",
        "msg/s",
    )
    .runs(rate)
    .goal("≥ 5,000 (PostgreSQL)"))
}

/// One measured run of `POST /msg` at [`CONNECTIONS`]; any failed request fails it.
async fn timed_run(
    opts: &Opts,
    make: &load::MakeRequest,
    name: &str,
) -> anyhow::Result<load::LoadResult> {
    let r = load::closed_loop(CONNECTIONS, secs(opts, 10.0, 1.0), u64::MAX, make.clone()).await;
    if r.errors > 0 {
        anyhow::bail!("ingest: {} requests failed: {:?}", r.errors, r.first_error);
    }
    println!(
        "  {name}: {:.0} msg/s, p50 {:.2} ms, p99 {:.2} ms",
        r.per_second(),
        r.latency.p50 as f64 / 1e3,
        r.latency.p99 as f64 / 1e3
    );
    Ok(r)
}
