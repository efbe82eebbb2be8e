//! The endpoint page's 24 h chart as server-rendered SVG: attempts per hour as stacked
//! bars (succeeded, failed) and the mean duration as a line on its own scale. No
//! script, so it is there with JavaScript off too.

use leptos::prelude::*;

use crate::backend::HourBucket;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
const BOTTOM: f64 = 20.0;
// Colours as SVG attributes, so the chart needs no stylesheet of its own.
const OK: &str = "#43a047";
const BAD: &str = "#e53935";
const LATENCY: &str = "#2451b7";

#[component]
pub fn DeliveryChart(hours: Vec<HourBucket>) -> impl IntoView {
    let plot = HEIGHT - BOTTOM;
    let slot = WIDTH / hours.len().max(1) as f64;
    let most = hours
        .iter()
        .map(|h| h.succeeded + h.failed)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slowest = hours.iter().map(|h| h.mean_ms).max().unwrap_or(0).max(1) as f64;
    let total: i64 = hours.iter().map(|h| h.succeeded + h.failed).sum();
    let bars = hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let x = i as f64 * slot + 2.0;
            let ok_h = h.succeeded as f64 / most * plot;
            let bad_h = h.failed as f64 / most * plot;
            let title = format!(
                "{}: {} succeeded, {} failed, mean {} ms",
                h.label, h.succeeded, h.failed, h.mean_ms
            );
            view! {
                <g>
                    <title>{title}</title>
                    <rect x=x y=plot - ok_h width=slot - 4.0 height=ok_h fill=OK />
                    <rect x=x y=plot - ok_h - bad_h width=slot - 4.0 height=bad_h fill=BAD />
                    {(i % 3 == 0).then(|| view! {
                        <text x=x y=HEIGHT - 4.0 font-size="10" fill="#555">{h.label.clone()}</text>
                    })}
                </g>
            }
        })
        .collect_view();
    let line = hours
        .iter()
        .enumerate()
        .filter(|(_, h)| h.succeeded + h.failed > 0)
        .map(|(i, h)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * slot + slot / 2.0,
                plot - h.mean_ms as f64 / slowest * plot
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <figure style="margin:12px 0;background:#fff;border:1px solid #eee;padding:8px">
            <svg
                id="delivery-chart"
                width="100%"
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="img"
                aria-label=format!("Attempts per hour over the last 24 hours: {total} in all")
            >
                {bars}
                <polyline points=line fill="none" stroke=LATENCY stroke-width="2" />
            </svg>
            <figcaption>
                <span style=format!("color:{OK}")>"■ succeeded "</span>
                <span style=format!("color:{BAD}")>"■ failed "</span>
                <span style=format!("color:{LATENCY}")>{format!("— mean duration (peak {} ms)", slowest as i64)}</span>
                " · per hour, last 24 h (UTC)"
            </figcaption>
        </figure>
    }
}
