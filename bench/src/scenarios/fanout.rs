//! Fan-out: each message goes to 100 endpoints (all on the receiver). The rate is
//! deliveries from the first arrival to the last.

use std::time::Duration;

use super::{Target, await_arrivals};
use crate::{
    Opts,
    cpu::{CpuClock, ProcessClock},
    load,
    receiver::Receiver,
    report::Figure,
};

const ENDPOINTS: u64 = 100;

pub async fn run(opts: &Opts, rx: &Receiver, target: &Target) -> anyhow::Result<Vec<Figure>> {
    let label = target.label();
    let (managed, tenant) = target.start("all").await?;
    let pid = managed.as_ref().and_then(|m| m.pid());
    let api = &tenant.api;
    let app = api.create_app("fanout").await?;
    for i in 0..ENDPOINTS {
        api.create_endpoint(&app, &format!("{}/fan/{i}", rx.url))
            .await?;
    }
    let make = api.message_requests(&app, true);
    let messages: u64 = if opts.quick { 3 } else { 200 };
    let expected = messages * ENDPOINTS;
    let (mut rate, mut p99, mut cpu, mut own_cpu) = (vec![], vec![], vec![], vec![]);
    for run in 0..opts.runs {
        rx.arrivals.reset();
        let connections_before = rx.arrivals.connections();
        let clock = CpuClock::now();
        let own = ProcessClock::now(pid);
        let queued_before = started_via_queue(managed.as_ref(), api).await;
        let sent = load::closed_loop(4, Duration::from_secs(300), messages, make.clone()).await;
        if sent.ok != messages {
            anyhow::bail!("fanout: sending failed: {:?}", sent.first_error);
        }
        await_arrivals(rx, expected, Duration::from_secs(600)).await?;
        // The accepts' CPU included: they are part of what a fan-out costs.
        cpu.extend(CpuClock::micros_per(clock, expected));
        own_cpu.extend(ProcessClock::micros_per(own, expected));
        let (lat, first, last) = rx.arrivals.take();
        let opened = rx.arrivals.connections() - connections_before;
        // Deliveries that went through the queue (released by the hand-off, claimed
        // again) instead of starting at their accept: what a stall would show.
        let queued = started_via_queue(managed.as_ref(), api)
            .await
            .zip(queued_before)
            .map_or(String::new(), |(after, before)| {
                format!("; {} via the queue", after - before)
            });
        let span = last.unwrap().duration_since(first.unwrap()).as_secs_f64();
        let per_second = expected as f64 / span.max(1e-3);
        let l = crate::stats::Latency::of(lat);
        // The accepts are part of the run: a message's 100 deliveries cannot start
        // before its accept committed them.
        println!(
            "  run {}: {expected} deliveries at {per_second:.0}/s, e2e p99 {:.1} max {:.1} ms; \
             accepts at {:.0} msg/s, accept p99 {:.1} max {:.1} ms; {opened} connections opened{queued}",
            run + 1,
            l.p99 as f64 / 1e3,
            l.max as f64 / 1e3,
            sent.per_second(),
            sent.latency.p99 as f64 / 1e3,
            sent.latency.max as f64 / 1e3,
        );
        rate.push(per_second);
        p99.push(l.p99 as f64 / 1e3);
    }
    let mut figures = vec![
        Figure::new(
            "fanout",
            &label,
            &format!("{messages} msgs × 100 endpoints"),
            "dlv/s",
        )
        .runs(rate)
        .goal("≥ 20,000"),
        Figure::new("fanout", &label, "e2e p99 (last of 100)", "ms").runs(p99),
    ];
    if !cpu.is_empty() {
        figures.push(
            Figure::new("fanout", &label, "CPU per delivery (all processes)", "µs").runs(cpu),
        );
    }
    if !own_cpu.is_empty() {
        figures
            .push(Figure::new("fanout", &label, "… of which hookrelay's own", "µs").runs(own_cpu));
    }
    Ok(figures)
}

/// hookrelay's count of deliveries its engine claimed from the queue (`/metrics`), for
/// a hookrelay this harness started.
async fn started_via_queue(
    managed: Option<&crate::target::Managed>,
    api: &crate::api::Api,
) -> Option<u64> {
    let url = format!("{}/metrics", managed?.url);
    let text = api.client.get(url).send().await.ok()?.text().await.ok()?;
    text.lines()
        .find(|l| l.contains("via=\"queue\"") && !l.starts_with('#'))?
        .rsplit(' ')
        .next()?
        .parse()
        .ok()
}
