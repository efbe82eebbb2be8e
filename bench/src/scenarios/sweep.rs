//! Load curve: how latency grows with the offered rate, up to the server's capacity.
//! First the capacity (closed loop, 32 connections, every message also delivered, as
//! in `ingest`), then an open-loop step at each fraction of it: the accept p99 and
//! the accept → arrival p50 and p99 at that rate. Steps are fractions of a capacity
//! measured in the same invocation, so the curve has the same shape on a fast day
//! and a slow one. `--plot DIR` also draws it as `DIR/sweep-<target>.svg`.

use std::{path::Path, time::Duration};

use super::{Target, await_arrivals, open_loop_step, secs};
use crate::{Opts, load, receiver::Receiver, report::Figure, stats::median};

const FRACTIONS: [f64; 6] = [0.1, 0.25, 0.5, 0.75, 0.9, 1.0];
const CONNECTIONS: usize = 32;

/// A plotted line: its name, colour and value at a step.
type Series = (&'static str, &'static str, fn(&Step) -> f64);

/// One step's medians: offered msg/s, then accept p99, e2e p50, e2e p99 in ms.
struct Step {
    offered: f64,
    accept_p99: f64,
    e2e_p50: f64,
    e2e_p99: f64,
}

pub async fn run(opts: &Opts, rx: &Receiver, target: &Target) -> anyhow::Result<Vec<Figure>> {
    let label = target.label();
    let setup = target
        .one_endpoint("all", "sweep", &format!("{}/sweep", rx.url))
        .await?;
    let make = setup.make.clone();
    let window = secs(opts, 5.0, 0.5);

    // Warm up, then the capacity.
    rx.arrivals.reset();
    let warm = load::closed_loop(CONNECTIONS, secs(opts, 2.0, 0.3), u64::MAX, make.clone()).await;
    await_arrivals(rx, warm.ok, Duration::from_secs(120)).await?;
    let mut capacity = Vec::new();
    for _ in 0..opts.runs {
        rx.arrivals.reset();
        let r = load::closed_loop(CONNECTIONS, window, u64::MAX, make.clone()).await;
        if r.errors > 0 {
            anyhow::bail!("sweep: {} requests failed: {:?}", r.errors, r.first_error);
        }
        await_arrivals(rx, r.ok, Duration::from_secs(300)).await?;
        capacity.push(r.per_second());
    }
    let cap = median(&capacity);
    println!("  capacity {cap:.0} msg/s (closed loop, {CONNECTIONS} connections)");
    let mut figures =
        vec![Figure::new("sweep", &label, "capacity, 32 connections", "msg/s").runs(capacity)];

    let mut steps = Vec::new();
    for fraction in FRACTIONS {
        let offered = (cap * fraction).max(1.0);
        let (mut accept_p99, mut e2e_p50, mut e2e_p99) = (vec![], vec![], vec![]);
        for _ in 0..opts.runs {
            let (r, e2e) = open_loop_step("sweep", rx, offered, window, &make).await?;
            accept_p99.push(r.latency.p99 as f64 / 1e3);
            e2e_p50.push(e2e.p50 as f64 / 1e3);
            e2e_p99.push(e2e.p99 as f64 / 1e3);
        }
        let step = Step {
            offered,
            accept_p99: median(&accept_p99),
            e2e_p50: median(&e2e_p50),
            e2e_p99: median(&e2e_p99),
        };
        let at = format!("at {:.0} % ({offered:.0} msg/s)", fraction * 100.0);
        println!(
            "  {at}: accept p99 {:.2} ms, e2e p50 {:.2} ms, p99 {:.2} ms",
            step.accept_p99, step.e2e_p50, step.e2e_p99
        );
        steps.push(step);
        for (name, runs) in [
            ("accept p99", accept_p99),
            ("e2e p50", e2e_p50),
            ("e2e p99", e2e_p99),
        ] {
            figures.push(Figure::new("sweep", &label, &format!("{name} {at}"), "ms").runs(runs));
        }
    }
    if let Some(dir) = &opts.plot {
        let path = Path::new(dir).join(format!("sweep-{}.svg", label.replace('+', "-")));
        std::fs::create_dir_all(dir)?;
        std::fs::write(&path, svg(&label, cap, &steps))?;
        println!("  plot: {}", path.display());
    }
    Ok(figures)
}

/// The curve as a self-contained SVG: offered rate across, milliseconds up (log
/// scale: the p99 at capacity is orders of magnitude above the p50 at 10 %).
fn svg(label: &str, capacity: f64, steps: &[Step]) -> String {
    let (w, h, left, bottom, top, right) = (640.0, 400.0, 60.0, 50.0, 40.0, 20.0);
    let max_x = capacity.max(1.0);
    let values = steps
        .iter()
        .flat_map(|s| [s.accept_p99, s.e2e_p50, s.e2e_p99])
        .filter(|v| *v > 0.0);
    let max_ms = values.fold(1.0f64, f64::max);
    let decades = max_ms.log10().ceil().max(1.0);
    let min_log = -1.0; // 0.1 ms
    let x = |v: f64| left + (w - left - right) * v / max_x;
    let y = |ms: f64| {
        let l = ms.max(0.1).log10();
        h - bottom - (h - bottom - top) * (l - min_log) / (decades - min_log)
    };
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{left}" y="20" font-size="14">hookrelay on {label}: latency against offered rate (capacity {capacity:.0} msg/s)</text>
"#
    );
    // Axes with a gridline per decade of milliseconds and per fifth of the capacity.
    let mut decade = min_log;
    while decade <= decades {
        let ms = 10f64.powf(decade);
        let yy = y(ms);
        out += &format!(
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{ms} ms</text>
"##,
            w - right,
            left - 6.0,
            yy + 4.0
        );
        decade += 1.0;
    }
    for i in 0..=5 {
        let v = max_x * i as f64 / 5.0;
        out += &format!(
            r##"<line x1="{0:.1}" y1="{top}" x2="{0:.1}" y2="{1:.1}" stroke="#ddd"/><text x="{0:.1}" y="{2:.1}" text-anchor="middle">{v:.0}</text>
"##,
            x(v),
            h - bottom,
            h - bottom + 16.0
        );
    }
    out += &format!(
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">offered msg/s (open loop; every message delivered)</text>
"#,
        (left + w - right) / 2.0,
        h - 12.0
    );
    let series: [Series; 3] = [
        ("e2e p99", "#c0392b", |s| s.e2e_p99),
        ("e2e p50", "#2980b9", |s| s.e2e_p50),
        ("accept p99", "#27ae60", |s| s.accept_p99),
    ];
    for (i, (name, colour, value)) in series.iter().enumerate() {
        let points: Vec<String> = steps
            .iter()
            .map(|s| format!("{:.1},{:.1}", x(s.offered), y(value(s))))
            .collect();
        out += &format!(
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>
<text x="{:.1}" y="{:.1}" fill="{colour}">{name}</text>
"#,
            points.join(" "),
            left + 10.0,
            top + 16.0 + 16.0 * i as f64
        );
    }
    out + "</svg>\n"
}
