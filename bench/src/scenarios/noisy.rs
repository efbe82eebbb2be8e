//! Noisy neighbour: a quiet tenant offers 100 msg/s and its accept→arrival p99 is
//! measured alone, then again while another tenant floods (16 connections, closed
//! loop) an application whose two endpoints are one fast and one that never answers
//! (every attempt waits for the attempt timeout). The figure is the ratio. Each run
//! starts a fresh hookrelay with its default per-tenant message rate: the flood goes
//! as fast as hookrelay admits one tenant (the per-key request limit stays off, as
//! everywhere in the harness, so a tenant with several keys is what is measured).

use std::time::Duration;

use super::{Target, await_quiet, secs};
use crate::{Opts, load, receiver::Receiver, report::Figure, stats::Latency, target::Pacing};

const QUIET_RATE: f64 = 100.0;

pub async fn run(opts: &Opts, rx: &Receiver, target: &Target) -> anyhow::Result<Vec<Figure>> {
    let label = target.label();
    let window = secs(opts, 10.0, 1.0);

    let (mut quiet_p99, mut noisy_p99, mut ratio) = (vec![], vec![], vec![]);
    // The quiet tenant's accept p99 beside the flood: how much of the e2e figure is
    // the accept (shared group commits) and how much the delivery.
    let mut noisy_accept_p99 = vec![];
    for run in 0..opts.runs {
        // A fresh server each run: the hanging endpoint's retries would otherwise
        // still be running during the next run's quiet measurement.
        let (managed, quiet) = target.start_pacing("all", Pacing::Default).await?;
        let base = managed
            .as_ref()
            .map_or_else(|| quiet.api.base.clone(), |m| m.url.clone());
        let loud = target.another_tenant(&base).await?;
        let quiet_app = quiet.api.create_app("quiet").await?;
        quiet
            .api
            .create_endpoint(&quiet_app, &format!("{}/quiet", rx.url))
            .await?;
        let loud_app = loud.api.create_app("loud").await?;
        loud.api
            .create_endpoint(&loud_app, &format!("{}/hang", rx.url))
            .await?;
        loud.api
            .create_endpoint(&loud_app, &format!("{}/loud", rx.url))
            .await?;
        let quiet_msgs = quiet.api.message_requests(&quiet_app, true);
        let loud_msgs = loud.api.message_requests(&loud_app, false);
        // Unmeasured: the fresh server's first requests open its database
        // connections and fill its caches; the figure is the steady state.
        measure(rx, &quiet_msgs, secs(opts, 2.0, 0.3)).await?;
        let (alone, _) = measure(rx, &quiet_msgs, window).await?;
        let flood = tokio::spawn(load::closed_loop(
            16,
            window + Duration::from_secs(2),
            u64::MAX,
            loud_msgs.clone(),
        ));
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (crowded, crowded_accept) = measure(rx, &quiet_msgs, window).await?;
        let flooded = flood.await?;
        println!(
            "  run {}: quiet tenant p99 {alone:.2} ms alone, {crowded:.2} ms (accept {crowded_accept:.2} ms) beside a flood of {:.0} msg/s",
            run + 1,
            flooded.per_second()
        );
        drop(managed);
        // What the flood left queued for the fast endpoint has stopped arriving.
        await_quiet(rx, Duration::from_secs(60)).await;
        quiet_p99.push(alone);
        noisy_p99.push(crowded);
        noisy_accept_p99.push(crowded_accept);
        ratio.push(crowded / alone);
    }
    Ok(vec![
        Figure::new("noisy", &label, "quiet tenant e2e p99 alone", "ms").runs(quiet_p99),
        Figure::new("noisy", &label, "… beside flood + hanging endpoint", "ms").runs(noisy_p99),
        Figure::new("noisy", &label, "… its accept p99 beside the flood", "ms")
            .runs(noisy_accept_p99),
        Figure::new("noisy", &label, "ratio crowded / alone", "x")
            .runs(ratio)
            .goal("≤ 2"),
    ])
}

/// The quiet tenant's accept→arrival p99 and accept p99 (ms) over one window at
/// `QUIET_RATE`.
async fn measure(
    rx: &Receiver,
    msgs: &load::MakeRequest,
    window: Duration,
) -> anyhow::Result<(f64, f64)> {
    rx.arrivals.reset();
    let r = load::open_loop(QUIET_RATE, window, msgs.clone()).await;
    if !rx
        .arrivals
        .wait_for_timed(r.ok, Duration::from_secs(120))
        .await
    {
        anyhow::bail!("noisy: the quiet tenant's messages did not all arrive");
    }
    super::no_repeats(rx, r.ok)?;
    let (samples, _, _) = rx.arrivals.take();
    Ok((
        Latency::of(samples).p99 as f64 / 1e3,
        r.latency.p99 as f64 / 1e3,
    ))
}
