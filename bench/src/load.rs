//! The load generator: closed loop (N connections, each sending its next request as
//! soon as the last answered) and open loop (a fixed offered rate, whatever the answers
//! take). Every request's latency is kept; a non-2xx answer counts as an error.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use crate::stats::{Latency, micros};

/// Builds request number `seq`.
pub type MakeRequest = Arc<dyn Fn(u64) -> reqwest::RequestBuilder + Send + Sync>;

#[derive(Debug)]
pub struct LoadResult {
    pub ok: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub latency: Latency,
    /// The first error seen, for the report.
    pub first_error: Option<String>,
}

impl LoadResult {
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// A client that keeps connections open, as a real producer would.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client")
}

async fn send(make: &MakeRequest, seq: u64) -> (bool, u64, Option<String>) {
    let started = Instant::now();
    let result = make(seq).send().await;
    let (ok, error) = match result {
        Ok(resp) if resp.status().is_success() => {
            let _ = resp.bytes().await;
            (true, None)
        }
        Ok(resp) => {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            (false, Some(format!("HTTP {status}: {body}")))
        }
        Err(e) => (false, Some(e.to_string())),
    };
    (ok, micros(started.elapsed()), error)
}

/// `connections` loops sending until `duration` has passed or `total` requests went
/// out (whichever is first).
pub async fn closed_loop(
    connections: usize,
    duration: Duration,
    total: u64,
    make: MakeRequest,
) -> LoadResult {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (next, make) = (next.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let (mut errors, mut first_error) = (0u64, None);
            while Instant::now() < deadline {
                let seq = next.fetch_add(1, Ordering::Relaxed);
                if seq >= total {
                    break;
                }
                let (ok, us, err) = send(&make, seq).await;
                if ok {
                    lat.push(us);
                } else {
                    errors += 1;
                    first_error = first_error.or(err);
                }
            }
            (lat, errors, first_error)
        }));
    }
    collect(tasks, started).await
}

/// Offers `rate` requests per second for `duration`, each on its own task, so a slow
/// answer never delays the next request (open loop: no coordinated omission).
pub async fn open_loop(rate: f64, duration: Duration, make: MakeRequest) -> LoadResult {
    let started = Instant::now();
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let mut tasks = Vec::with_capacity(total as usize);
    for seq in 0..total {
        let due = started + Duration::from_secs_f64(seq as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let (ok, us, err) = send(&make, seq).await;
            if ok {
                (vec![us], 0, None)
            } else {
                (vec![], 1, err)
            }
        }));
    }
    collect(tasks, started).await
}

type TaskOut = (Vec<u64>, u64, Option<String>);

async fn collect(tasks: Vec<tokio::task::JoinHandle<TaskOut>>, started: Instant) -> LoadResult {
    let mut all = Vec::new();
    let (mut errors, mut first_error) = (0, None);
    for t in tasks {
        let (lat, e, err) = t.await.expect("a load task");
        all.extend(lat);
        errors += e;
        first_error = first_error.or(err);
    }
    LoadResult {
        ok: all.len() as u64,
        errors,
        elapsed: started.elapsed(),
        latency: Latency::of(all),
        first_error,
    }
}
