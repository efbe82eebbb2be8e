//! `TestReceiver`: a real HTTP server on 127.0.0.1 that records every request it gets
//! and answers with the statuses it is told to (then 204).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// The sender's address: one per TCP connection, so reuse shows as repeats.
    pub peer: Option<std::net::SocketAddr>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the receiver answers next: a status, optional extra headers, a delay.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub delay: Duration,
    /// The body to answer with (default: "receiver says hi").
    pub body: Option<Vec<u8>>,
    /// Sends the head and the body's first bytes, then nothing: the body never ends.
    pub stalls: bool,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self::delayed(status, Duration::ZERO)
    }

    /// `status`, answered only after `delay`.
    pub fn delayed(status: u16, delay: Duration) -> Self {
        Self {
            status,
            headers: Vec::new(),
            delay,
            body: None,
            stalls: false,
        }
    }

    /// `status` with `body`.
    pub fn with_body(status: u16, body: &[u8]) -> Self {
        Self {
            body: Some(body.to_vec()),
            ..Self::status(status)
        }
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Reply>>,
    default: Mutex<Option<Reply>>,
}

pub struct TestReceiver {
    pub url: String,
    shared: Arc<Shared>,
}

impl TestReceiver {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Self {
            url: format!("http://127.0.0.1:{port}"),
            shared,
        }
    }

    /// Answers these, in order, before falling back to the default (204).
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.script.lock().unwrap().extend(replies);
    }

    /// What it answers once the script is used up.
    pub fn always(&self, reply: Reply) {
        *self.shared.default.lock().unwrap() = Some(reply);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits (at most 10 s) until `n` requests arrived; returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} requests, got {}: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn handle(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    shared.received.lock().unwrap().push(Received {
        path: req.path().to_string(),
        peer: req.peer_addr(),
        headers,
        body: body.to_vec(),
    });
    let reply = shared
        .script
        .lock()
        .unwrap()
        .pop_front()
        .or_else(|| shared.default.lock().unwrap().clone())
        .unwrap_or_else(|| Reply::status(204));
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(reply.status).unwrap());
    for (name, value) in reply.headers {
        response.insert_header((name, value));
    }
    // 204 and 304 carry no body: actix would still write one after the head, and a
    // client must then drop the connection (it cannot tell where the next response
    // starts), which hid the engine's connection reuse from tests.
    if matches!(reply.status, 204 | 304) {
        response.finish()
    } else if reply.stalls {
        let first = futures::stream::once(async {
            Ok::<_, actix_web::Error>(actix_web::web::Bytes::from_static(b"partial"))
        });
        response.streaming(futures::StreamExt::chain(first, futures::stream::pending()))
    } else {
        match reply.body {
            Some(body) => response.body(body),
            None => response.body("receiver says hi"),
        }
    }
}
