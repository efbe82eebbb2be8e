//! Delivery throughput: a backlog of deliveries to one endpoint, drained.
//!
//! Managed: `hookrelay --role api` accepts the backlog (no worker runs), then it is
//! restarted as `--role all` on the same database and the rate is measured from the
//! first arrival to the last. An external server delivers while the backlog is being
//! sent, so there the rate counts what arrives after the last message was accepted.
//! The ceiling is the receiver itself, driven by this harness's HTTP client at 64
//! connections in the same run.

use std::{sync::Arc, time::Duration};

use super::{Target, await_arrivals, secs};
use crate::{
    Opts,
    api::Api,
    cpu::{CpuClock, ProcessClock},
    load,
    receiver::Receiver,
    report::Figure,
};

pub async fn run(opts: &Opts, rx: &Receiver, target: &Target) -> anyhow::Result<Vec<Figure>> {
    let label = target.label();
    let backlog: u64 = if opts.quick { 1_000 } else { 100_000 };
    let role = if matches!(target, Target::Managed(_)) {
        "api"
    } else {
        "all"
    };
    let (mut managed, tenant) = target.start(role).await?;
    let api = &tenant.api;
    let app = api.create_app("drain").await?;
    api.create_endpoint(&app, &format!("{}/drain", rx.url))
        .await?;

    let (mut rate, mut ceiling, mut cpu, mut own_cpu) = (vec![], vec![], vec![], vec![]);
    for run in 0..opts.runs {
        // A restarted hookrelay listens on a new port.
        let base = managed
            .as_ref()
            .map_or_else(|| api.base.clone(), |m| m.url.clone());
        let make = Api::new(&base, api.token()).message_requests(&app, true);
        rx.arrivals.reset();
        let fill = load::closed_loop(32, Duration::from_secs(900), backlog, make.clone()).await;
        if fill.ok != backlog {
            anyhow::bail!("drain: backlog fill failed: {:?}", fill.first_error);
        }
        let per_second = match managed.as_mut() {
            Some(m) => {
                let clock = CpuClock::now();
                m.restart("all")?;
                let own = ProcessClock::now(m.pid());
                await_arrivals(rx, backlog, Duration::from_secs(900)).await?;
                cpu.extend(CpuClock::micros_per(clock, backlog));
                own_cpu.extend(ProcessClock::micros_per(own, backlog));
                let (_, first, last) = rx.arrivals.take();
                let span = last.unwrap().duration_since(first.unwrap());
                m.restart("api")?;
                backlog as f64 / span.as_secs_f64()
            }
            None => {
                let before = rx.arrivals.count();
                let since = std::time::Instant::now();
                await_arrivals(rx, backlog, Duration::from_secs(900)).await?;
                let (_, _, last) = rx.arrivals.take();
                let left = backlog.saturating_sub(before).max(1);
                left as f64 / last.unwrap().duration_since(since).as_secs_f64().max(1e-3)
            }
        };
        let c = receiver_ceiling(opts, rx).await;
        println!(
            "  run {}: {backlog} deliveries at {per_second:.0}/s (receiver alone: {c:.0}/s)",
            run + 1
        );
        rate.push(per_second);
        ceiling.push(c);
    }
    let mut figures = vec![
        Figure::new(
            "drain",
            &label,
            &format!("backlog of {backlog}, 1 endpoint"),
            "dlv/s",
        )
        .runs(rate)
        .goal("≥ 5,000 and ≥ 50 % of ceiling")
        .ceiling(&ceiling, "the receiver alone"),
    ];
    if !cpu.is_empty() {
        // What a delivery costs the machine, whatever its neighbours take (`cpu.rs`).
        figures
            .push(Figure::new("drain", &label, "CPU per delivery (all processes)", "µs").runs(cpu));
    }
    if !own_cpu.is_empty() {
        figures
            .push(Figure::new("drain", &label, "… of which hookrelay's own", "µs").runs(own_cpu));
    }
    Ok(figures)
}

/// The receiver's own rate with this harness as the client (64 connections).
pub async fn receiver_ceiling(opts: &Opts, rx: &Receiver) -> f64 {
    let client = load::client();
    let url = format!("{}/ceiling", rx.url);
    let body = r#"{"seq":0,"kind":"invoice.paid","amount":1299}"#;
    let make: load::MakeRequest = Arc::new(move |_| {
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
    });
    let r = load::closed_loop(64, secs(opts, 3.0, 0.3), u64::MAX, make).await;
    rx.arrivals.reset();
    r.per_second()
}
