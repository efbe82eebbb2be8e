//! The webhook receiver: a minimal HTTP/1.1 server on 127.0.0.1 that answers every
//! POST with 204 (keep-alive) and records when each payload arrived. A path starting
//! with `/hang` never answers, so the sender waits until its own timeout.
//!
//! Payloads the load generator sends carry `"t":<µs since the bench started>`, so
//! accept→arrival latency is measured on one monotonic clock, and `"seq":<n>`, so a
//! delivery that arrives twice at the same path is counted as a repeat: a figure
//! counts each delivery once (`scenarios::no_repeats` fails a run in which one
//! arrived before the last expected delivery).

use std::{
    collections::HashSet,
    hash::{BuildHasher, BuildHasherDefault, DefaultHasher},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::clock;

#[derive(Default)]
struct Log {
    latencies_us: Vec<u64>,
    first: Option<Instant>,
    last: Option<Instant>,
    /// (path's hash, seq) of every timed payload since the last reset.
    seen: HashSet<(u64, u64)>,
    /// Timed payloads that arrived at a path a second time.
    repeats: u64,
}

/// What arrived: shared by the accept loop, its connections and the scenarios.
#[derive(Default)]
pub struct Arrivals {
    count: AtomicU64,
    /// Arrivals whose payload carried a send time.
    timed: AtomicU64,
    /// TCP connections accepted (a sender that reuses its connections opens few).
    connections: AtomicU64,
    log: Mutex<Log>,
}

pub struct Receiver {
    pub url: String,
    pub arrivals: Arc<Arrivals>,
}

impl Receiver {
    pub async fn start() -> anyhow::Result<Self> {
        // A backlog as deep as the kernel allows (net.core.somaxconn caps it): a
        // sender opening a connection per endpoint at once overflowed tokio's default
        // of 1,024 (TcpExtListenOverflows), and a dropped handshake is retried a
        // second later — a stall the receiver, not the sender, caused.
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind("127.0.0.1:0".parse()?)?;
        let listener = socket.listen(65_535)?;
        let url = format!("http://{}", listener.local_addr()?);
        let arrivals = Arc::new(Arrivals::default());
        let shared = arrivals.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                shared.connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Ok(Self { url, arrivals })
    }
}

impl Arrivals {
    /// TCP connections accepted since the receiver started.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Deliveries that arrived more than once since the last reset.
    pub fn repeats(&self) -> u64 {
        self.log.lock().unwrap().repeats
    }

    /// Forgets everything so far (between phases of a scenario).
    pub fn reset(&self) {
        let mut log = self.log.lock().unwrap();
        *log = Log::default();
        self.count.store(0, Ordering::Relaxed);
        self.timed.store(0, Ordering::Relaxed);
    }

    /// Latencies (µs) and the first/last arrival since the last reset.
    pub fn take(&self) -> (Vec<u64>, Option<Instant>, Option<Instant>) {
        let mut log = self.log.lock().unwrap();
        let log = std::mem::take(&mut *log);
        (log.latencies_us, log.first, log.last)
    }

    fn record(&self, path: &str, body: &[u8]) {
        let now = Instant::now();
        let latency = sent_at(body).map(|t| clock::micros_now().saturating_sub(t));
        // Only timed payloads: the ceiling's requests all carry the same seq.
        let key = latency.and(number_after(body, b"\"seq\":")).map(|seq| {
            (
                BuildHasherDefault::<DefaultHasher>::default().hash_one(path),
                seq,
            )
        });
        let mut log = self.log.lock().unwrap();
        log.first.get_or_insert(now);
        log.last = Some(now);
        if let Some(l) = latency {
            log.latencies_us.push(l);
            self.timed.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(key) = key
            && !log.seen.insert(key)
        {
            log.repeats += 1;
        }
        drop(log);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Waits until `n` arrived, at most `timeout`; false if they did not.
    pub async fn wait_for(&self, n: u64, timeout: std::time::Duration) -> bool {
        self.wait_until(|| self.count() >= n, timeout).await
    }

    /// Waits until `n` timed payloads arrived (see `Api::message_requests`).
    pub async fn wait_for_timed(&self, n: u64, timeout: std::time::Duration) -> bool {
        self.wait_until(|| self.timed.load(Ordering::Relaxed) >= n, timeout)
            .await
    }

    async fn wait_until(&self, done: impl Fn() -> bool, timeout: std::time::Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while !done() {
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        true
    }
}

/// The `"t":<digits>` the load generator put in the payload.
fn sent_at(body: &[u8]) -> Option<u64> {
    number_after(body, b"\"t\":")
}

/// The digits after the first `key` in `body` (none when they are not digits: an
/// untimed payload's `"t":-1`).
fn number_after(body: &[u8], key: &[u8]) -> Option<u64> {
    let at = body.windows(key.len()).position(|w| w == key)? + key.len();
    let digits: Vec<u8> = body[at..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

const NO_CONTENT: &[u8] = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";

/// One keep-alive connection: requests in, 204s out.
async fn serve(mut stream: TcpStream, arrivals: Arc<Arrivals>) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = [0u8; 16384];
    loop {
        // Read until the head is complete.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let path = head.split(' ').nth(1).unwrap_or("");
        let hang = path.starts_with("/hang");
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        if hang {
            // Hold the connection until the sender gives up.
            let _ = stream.read(&mut chunk).await;
            return;
        }
        arrivals.record(path, &buf[head_end..head_end + length]);
        buf.drain(..head_end + length);
        if stream.write_all(NO_CONTENT).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_send_time_in_a_payload() {
        assert_eq!(super::sent_at(br#"{"seq":3,"t":12345}"#), Some(12345));
        assert_eq!(super::sent_at(br#"{"seq":3}"#), None);
        assert_eq!(super::sent_at(br#"{"seq":3,"t":-1}"#), None);
    }

    #[test]
    fn counts_a_timed_payload_arriving_twice_at_one_path_as_a_repeat() {
        let arrivals = super::Arrivals::default();
        arrivals.record("/drain", br#"{"seq":1,"t":5}"#);
        arrivals.record("/drain", br#"{"seq":2,"t":5}"#);
        // The same message at another endpoint (a fan-out) is another delivery.
        arrivals.record("/fan/1", br#"{"seq":1,"t":5}"#);
        // The ceiling's untimed requests all carry seq 0.
        arrivals.record("/ceiling", br#"{"seq":0,"kind":"x"}"#);
        arrivals.record("/ceiling", br#"{"seq":0,"kind":"x"}"#);
        assert_eq!(arrivals.repeats(), 0);
        arrivals.record("/drain", br#"{"seq":2,"t":9}"#);
        assert_eq!(arrivals.repeats(), 1);
        assert_eq!(arrivals.count(), 6);
        // An untimed payload (another tenant's traffic) is not keyed.
        arrivals.record("/loud", br#"{"seq":7,"t":-1}"#);
        arrivals.record("/loud", br#"{"seq":7,"t":-1}"#);
        assert_eq!(arrivals.repeats(), 1);
        // A reset forgets what was seen: the next run's seq starts again.
        arrivals.reset();
        arrivals.record("/drain", br#"{"seq":2,"t":9}"#);
        assert_eq!(arrivals.repeats(), 0);
    }
}
