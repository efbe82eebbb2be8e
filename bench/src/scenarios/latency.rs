//! End-to-end latency: from the moment the load generator builds `POST /msg` to the
//! moment the receiver has read the delivery, at a fixed offered rate (open loop).
//! This includes the accept itself, so it is an upper bound on accept → arrival.

use std::time::Duration;

use super::{Target, await_arrivals, open_loop_step, secs};
use crate::{Opts, cpu::CpuClock, load, receiver::Receiver, report::Figure};

pub async fn run(opts: &Opts, rx: &Receiver, target: &Target) -> anyhow::Result<Vec<Figure>> {
    let label = target.label();
    let setup = target
        .one_endpoint("all", "latency", &format!("{}/latency", rx.url))
        .await?;
    let make = setup.make.clone();
    // Warm up.
    rx.arrivals.reset();
    let warm = load::open_loop(100.0, Duration::from_millis(500), make.clone()).await;
    await_arrivals(rx, warm.ok, Duration::from_secs(60)).await?;

    let rates: &[(f64, &'static str, &'static str)] = if opts.quick {
        &[(50.0, "", "")]
    } else {
        &[(200.0, "≤ 2", "≤ 5"), (1000.0, "", "≤ 25")]
    };
    let mut figures = Vec::new();
    for &(rate, goal50, goal99) in rates {
        let (mut p50, mut p99, mut accept99, mut cpu) = (vec![], vec![], vec![], vec![]);
        for run in 0..opts.runs {
            let clock = CpuClock::now();
            let (r, l) = open_loop_step("latency", rx, rate, secs(opts, 10.0, 1.0), &make).await?;
            // Busy CPU per message, the load generator's included (`cpu.rs`).
            cpu.extend(CpuClock::micros_per(clock, l.count as u64));
            println!(
                "  {rate} msg/s run {}: accept→arrival p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} deliveries)",
                run + 1,
                l.p50 as f64 / 1e3,
                l.p99 as f64 / 1e3,
                l.max as f64 / 1e3,
                l.count
            );
            p50.push(l.p50 as f64 / 1e3);
            p99.push(l.p99 as f64 / 1e3);
            accept99.push(r.latency.p99 as f64 / 1e3);
        }
        let at = format!("at {rate:.0} msg/s");
        figures.push(
            Figure::new("latency", &label, &format!("e2e p50 {at}"), "ms")
                .runs(p50)
                .goal(goal50),
        );
        figures.push(
            Figure::new("latency", &label, &format!("e2e p99 {at}"), "ms")
                .runs(p99)
                .goal(goal99),
        );
        figures
            .push(Figure::new("latency", &label, &format!("accept p99 {at}"), "ms").runs(accept99));
        if !cpu.is_empty() {
            figures.push(
                Figure::new("latency", &label, &format!("CPU per message {at}"), "µs").runs(cpu),
            );
        }
    }
    Ok(figures)
}
