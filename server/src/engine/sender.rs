//! One HTTP attempt: POST the payload with its headers, no redirects, bounded by the
//! attempt timeout, through the SSRF guard; keeps the status, the first 4 KiB of the
//! response and a readable error when there was no response.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use ipnet::IpNet;
use reqwest::{Client, redirect::Policy};

use super::ssrf::{GuardedResolver, refusal};

/// How much of a response body an attempt keeps.
pub const MAX_RESPONSE_BODY: usize = 4096;

#[derive(Debug)]
pub struct SendOutcome {
    /// The HTTP status, or `None` when no response came back.
    pub status: Option<u16>,
    pub body: String,
    pub error: Option<String>,
    pub retry_after: Option<Duration>,
    pub duration: Duration,
}

impl SendOutcome {
    /// An attempt that failed before any request was made, for `reason`.
    pub fn not_sent(reason: &str) -> Self {
        Self {
            status: None,
            body: String::new(),
            error: Some(reason.to_string()),
            retry_after: None,
            duration: Duration::ZERO,
        }
    }
}

#[derive(Clone)]
pub struct Sender {
    client: Client,
    allowed: Arc<Vec<IpNet>>,
}

impl Sender {
    /// `max_in_flight`: the most attempts this process runs at once, all possibly to
    /// one host (many endpoints of one receiving service share a host and port).
    pub fn new(timeout: Duration, allowed: Vec<IpNet>, max_in_flight: usize) -> Self {
        let allowed = Arc::new(allowed);
        let client = Client::builder()
            .redirect(Policy::none())
            // No retries inside an attempt: the delivery's schedule retries, and each
            // attempt's outcome is one request's. (reqwest's default retries refused
            // streams under a budget, and to be able to, clones every request and
            // accounts for it in the budget: 1.6 % of the engine's CPU under fan-out.)
            .retry(reqwest::retry::never().max_retries_per_request(0))
            // A proxy would resolve names itself, around the SSRF guard.
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(60))
            // As many idle connections per host as attempts can run at once: with
            // fewer, the connections of a burst to one host beyond the cap are closed
            // after their response and the next attempts open new ones: a fan-out
            // to 100 endpoints on one host opened 13,871 connections for 20,000
            // deliveries with 16, 270 with this (BENCHMARKS.md).
            .pool_max_idle_per_host(max_in_flight)
            .dns_resolver(Arc::new(GuardedResolver {
                allowed: allowed.clone(),
            }))
            .build()
            .expect("an HTTP client with a rustls provider installed");
        Self { client, allowed }
    }

    /// `url` as the endpoint's context parsed it (`Err`: why it could not).
    pub async fn send(
        &self,
        url: &Result<reqwest::Url, String>,
        headers: reqwest::header::HeaderMap,
        body: Vec<u8>,
    ) -> SendOutcome {
        let started = Instant::now();
        let failed = |error: String| SendOutcome {
            status: None,
            body: String::new(),
            error: Some(error),
            retry_after: None,
            duration: started.elapsed(),
        };
        let url = match url {
            Ok(url) => url.clone(),
            Err(why) => return failed(why.clone()),
        };
        // IP literals never reach the resolver: check them here.
        if let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = url.host()
            && let Some(ip) = url
                .host_str()
                .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
            && let Some(why) = refusal(ip, &self.allowed)
        {
            return failed(format!("refused by the SSRF guard: {ip} is a {why}"));
        }
        let request = self.client.post(url).headers(headers).body(body);
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => return failed(describe(&e)),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(super::schedule::parse_retry_after);
        let mut kept = Vec::new();
        while kept.len() < MAX_RESPONSE_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => kept
                    .extend_from_slice(&chunk[..chunk.len().min(MAX_RESPONSE_BODY - kept.len())]),
                _ => break,
            }
        }
        SendOutcome {
            status: Some(status),
            // PostgreSQL's text holds no NUL: one would fail the recording of the
            // whole batch of attempts it is in.
            body: String::from_utf8_lossy(&kept).replace('\0', "\u{FFFD}"),
            error: None,
            retry_after,
            duration: started.elapsed(),
        }
    }
}

/// A reason a person can act on: timeout, connection refused, DNS, SSRF guard, TLS.
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
