//! One HTTP attempt: POST the payload with its headers, no redirects, bounded by the
//! attempt timeout, through the SSRF guard; keeps the status, the first 4 KiB of the
//! response and a readable error when there was no response.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Uri, header::RETRY_AFTER};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::{TokioExecutor, TokioTimer},
};
use ipnet::IpNet;
use rustls_platform_verifier::ConfigVerifierExt;

use super::ssrf::{GuardedResolver, refusal};

type HttpClient = Client<HttpsConnector<HttpConnector<GuardedResolver>>, Full<Bytes>>;

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

/// hyper's pooled client, not reqwest: an attempt is one POST with no redirects, no
/// proxy, no retries and no decompression, so reqwest's layers around hyper (its URL
/// conversions, redirect and retry wrappers, a timer per request) were only cost —
/// about a tenth of the engine's CPU under fan-out (BENCHMARKS.md).
#[derive(Clone)]
pub struct Sender {
    client: HttpClient,
    timeout: Duration,
    allowed: Arc<Vec<IpNet>>,
}

impl Sender {
    /// `max_in_flight`: the most attempts this process runs at once, all possibly to
    /// one host (many endpoints of one receiving service share a host and port).
    pub fn new(timeout: Duration, allowed: Vec<IpNet>, max_in_flight: usize) -> Self {
        let allowed = Arc::new(allowed);
        let mut http = HttpConnector::new_with_resolver(GuardedResolver {
            allowed: allowed.clone(),
        });
        // https too: the TLS connector below wraps this one.
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout.min(Duration::from_secs(10))));
        // The platform's trust store, as reqwest used it; the crypto provider is the
        // one [`install_tls_provider`] installed (ring).
        let tls = rustls::ClientConfig::with_platform_verifier()
            .expect("a rustls provider installed and a readable trust store");
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            // As many idle connections per host as attempts can run at once: with
            // fewer, the connections of a burst to one host beyond the cap are closed
            // after their response and the next attempts open new ones: a fan-out
            // to 100 endpoints on one host opened 13,871 connections for 20,000
            // deliveries with 16, 270 with this (BENCHMARKS.md).
            .pool_max_idle_per_host(max_in_flight)
            .build(https);
        Self {
            client,
            timeout,
            allowed,
        }
    }

    /// `url` as the endpoint's context parsed it (`Err`: why it could not). The
    /// timeout bounds the whole attempt: connecting, the response's head, and the
    /// part of its body that is kept.
    pub async fn send(
        &self,
        url: &Result<Uri, String>,
        headers: HeaderMap,
        body: Vec<u8>,
    ) -> SendOutcome {
        let started = Instant::now();
        let deadline = tokio::time::Instant::from_std(started + self.timeout);
        let failed = |error: String| SendOutcome {
            status: None,
            body: String::new(),
            error: Some(error),
            retry_after: None,
            duration: started.elapsed(),
        };
        let uri = match url {
            Ok(uri) => uri.clone(),
            Err(why) => return failed(why.clone()),
        };
        // IP literals never reach the resolver: check them here.
        if let Some(ip) = uri
            .host()
            .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
            && let Some(why) = refusal(ip, &self.allowed)
        {
            return failed(format!("refused by the SSRF guard: {ip} is a {why}"));
        }
        let mut request = Request::new(Full::new(Bytes::from(body)));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        let response = match tokio::time::timeout_at(deadline, self.client.request(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return failed(describe(&e)),
            Err(_) => return failed("timed out".into()),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(super::schedule::parse_retry_after);
        let mut body = response.into_body();
        let mut kept = Vec::new();
        // What came before the deadline or an error is kept: the status is the outcome.
        while kept.len() < MAX_RESPONSE_BODY {
            match tokio::time::timeout_at(deadline, body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    if let Some(chunk) = frame.data_ref() {
                        kept.extend_from_slice(
                            &chunk[..chunk.len().min(MAX_RESPONSE_BODY - kept.len())],
                        );
                    }
                }
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

/// A reason a person can act on: connection refused, DNS, SSRF guard, TLS.
fn describe(e: &hyper_util::client::legacy::Error) -> String {
    use std::error::Error;
    let mut text = if e.is_connect() {
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

/// rustls's process-wide crypto provider: ring, the one already in the binary (for
/// PostgreSQL TLS), so nothing compiles aws-lc. Every process that builds the delivery
/// client calls this first; calling it again is harmless.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
