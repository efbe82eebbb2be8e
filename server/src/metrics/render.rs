//! The Prometheus text exposition of [`Metrics`] and the queue depth.

use std::fmt::Write;
use std::sync::atomic::Ordering::Relaxed;

use super::{Histogram, Metrics};
use crate::store::QueueDepth;

pub fn render(m: &Metrics, depth: Option<QueueDepth>) -> String {
    let mut out = String::with_capacity(4096);
    counter_family(
        &mut out,
        "hookrelay_attempts_total",
        "Delivery attempts made by this process, by outcome.",
        &[
            ("outcome=\"delivered\"", m.delivered.load(Relaxed)),
            ("outcome=\"retrying\"", m.retrying.load(Relaxed)),
            ("outcome=\"failed\"", m.failed.load(Relaxed)),
        ],
    );
    counter_family(
        &mut out,
        "hookrelay_deliveries_started_total",
        "Deliveries this process's engine took on, by how: handed over by their accept, or claimed from the queue.",
        &[
            ("via=\"accept\"", m.started_at_accept.load(Relaxed)),
            ("via=\"queue\"", m.started_from_queue.load(Relaxed)),
        ],
    );
    counter_family(
        &mut out,
        "hookrelay_claims_total",
        "Claims of the delivery queue this process's engine made.",
        &[("", m.claims.load(Relaxed))],
    );
    counter_family(
        &mut out,
        "hookrelay_endpoint_contexts_total",
        "Endpoints (with their secrets and tenant setting) that deliveries handed over by their accept needed, by source: kept in memory under the current fan-out view, or read from the database.",
        &[
            ("source=\"memory\"", m.endpoint_contexts_kept.load(Relaxed)),
            (
                "source=\"database\"",
                m.endpoint_contexts_read.load(Relaxed),
            ),
        ],
    );
    gauge(
        &mut out,
        "hookrelay_deliveries_in_flight",
        "Attempts this process is making right now.",
        m.in_flight.load(Relaxed),
    );
    histogram(
        &mut out,
        "hookrelay_delivery_latency_seconds",
        "From a message's acceptance to its successful delivery.",
        &m.delivery_latency,
    );
    histogram(
        &mut out,
        "hookrelay_attempt_duration_seconds",
        "One HTTP attempt, request sent to response read.",
        &m.attempt_duration,
    );
    if let Some(depth) = depth {
        let _ = writeln!(
            out,
            "# HELP hookrelay_queue_depth Deliveries in the shared queue, by state.\n# TYPE hookrelay_queue_depth gauge"
        );
        let _ = writeln!(out, "hookrelay_queue_depth{{state=\"due\"}} {}", depth.due);
        let _ = writeln!(
            out,
            "hookrelay_queue_depth{{state=\"scheduled\"}} {}",
            depth.scheduled
        );
        let _ = writeln!(
            out,
            "hookrelay_queue_depth{{state=\"sending\"}} {}",
            depth.sending
        );
    }
    counter_family(
        &mut out,
        "hookrelay_cache_requests_total",
        "Configuration cache lookups, by result.",
        &[
            ("result=\"hit\"", m.cache_hits.load(Relaxed)),
            ("result=\"miss\"", m.cache_misses.load(Relaxed)),
        ],
    );
    counter_family(
        &mut out,
        "hookrelay_redis_errors_total",
        "Redis calls that failed or timed out (the database answered instead).",
        &[("", m.redis_errors.load(Relaxed))],
    );
    out
}

fn counter_family(out: &mut String, name: &str, help: &str, series: &[(&str, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    for (labels, value) in series {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

fn gauge(out: &mut String, name: &str, help: &str, value: i64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

fn histogram(out: &mut String, name: &str, help: &str, h: &Histogram) {
    let (buckets, sum, count) = h.snapshot();
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (le, cumulative) in buckets {
        match le {
            Some(le) => {
                let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
            }
            None => {
                let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
            }
        }
    }
    let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
}
