//! Sending with lettre: SMTP (`SMTP_URL`: `smtp://` plain or `?tls=required` for
//! STARTTLS, `smtps://` for TLS, credentials in the URL) or `.eml` files under
//! `<data_dir>/mail` by default.

use std::{path::Path, time::Duration};

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};

use crate::entities::alert_email;

/// An SMTP server that accepts the connection and then says nothing costs one
/// email this long, never a request.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn smtp(url: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Self::Smtp(transport))
    }

    pub fn files(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self::Files(AsyncFileTransport::new(dir)))
    }

    /// Sends one queued email; the error text is kept on the row for the next try.
    pub async fn send(&self, from: &str, email: &alert_email::Model) -> Result<(), String> {
        let message = build(from, email)?;
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::Files(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

fn build(from: &str, email: &alert_email::Model) -> Result<Message, String> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| format!("HOOKRELAY_MAIL_FROM: {e}"))?;
    let recipients: Vec<String> = serde_json::from_str(&email.recipients).unwrap_or_default();
    let mut builder = Message::builder().from(from).subject(email.subject.clone());
    for to in recipients {
        let to: Mailbox = to.parse().map_err(|e| format!("recipient {to}: {e}"))?;
        builder = builder.to(to);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            email.text_body.clone(),
            email.html_body.clone(),
        ))
        .map_err(|e| e.to_string())
}
