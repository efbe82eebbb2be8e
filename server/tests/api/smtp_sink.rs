//! A real SMTP server on 127.0.0.1 for the alert tests: speaks enough ESMTP for
//! lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message, and can be
//! switched to refuse (421 on connect, as a server that is down for maintenance) or
//! to hang (accept and say nothing).

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU8, Ordering},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

#[derive(Debug, Clone)]
pub struct Mail {
    pub recipients: Vec<String>,
    /// The DATA section: headers and MIME body.
    pub data: String,
}

#[derive(Clone, Copy)]
pub enum Mode {
    Accept = 0,
    Refuse = 1,
    Hang = 2,
}

pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    mode: Arc<AtomicU8>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let mode = Arc::new(AtomicU8::new(Mode::Accept as u8));
        let (m, md) = (mails.clone(), mode.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (m, md) = (m.clone(), md.clone());
                tokio::spawn(async move {
                    let _ = session(stream, m, md).await;
                });
            }
        });
        Self { port, mails, mode }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// Waits (up to `secs`) until `n` mails arrived; returns them all.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Mail> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} of {n} emails arrived: {:?}",
                mails.len(),
                mails.iter().map(subject).collect::<Vec<_>>()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// The Subject header of a mail.
pub fn subject(mail: &Mail) -> String {
    mail.data
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or_default()
        .to_string()
}

async fn session(
    stream: TcpStream,
    mails: Arc<Mutex<Vec<Mail>>>,
    mode: Arc<AtomicU8>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    match mode.load(Ordering::SeqCst) {
        1 => {
            write.write_all(b"421 sink is down, try later\r\n").await?;
            return Ok(());
        }
        2 => {
            // Say nothing, keep the connection open until the client gives up.
            let mut lines = BufReader::new(read).lines();
            while lines.next_line().await?.is_some() {}
            return Ok(());
        }
        _ => {}
    }
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut recipients = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            recipients.push(line[8..].trim().trim_matches(['<', '>']).to_string());
            write.write_all(b"250 ok\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            while let Some(line) = lines.next_line().await? {
                if line == "." {
                    break;
                }
                data.push_str(&line);
                data.push('\n');
            }
            mails.lock().unwrap().push(Mail {
                recipients: std::mem::take(&mut recipients),
                data,
            });
            write.write_all(b"250 queued\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else if upper.starts_with("RSET") {
            recipients.clear();
            write.write_all(b"250 ok\r\n").await?;
        } else {
            // HELO, MAIL FROM, NOOP.
            write.write_all(b"250 ok\r\n").await?;
        }
    }
    Ok(())
}

/// The mail's text with quoted-printable soft line breaks and escapes undone, so
/// tests can look for whole phrases in either part.
pub fn decoded(mail: &Mail) -> String {
    let joined = mail.data.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}
