//! Email alerts (SPEC §7), run beside the delivery workers: turns the engine's state
//! changes into queued emails (throttled, once each), then sends the queue with
//! lettre, retrying with backoff. **The API and the delivery path never wait on any
//! of it**: they only write `state_change` rows in their own transactions.

pub mod compose;
mod mailer;

use std::{sync::Arc, time::Duration};

use chrono::Utc;

use crate::{config::Settings, store::Store};
pub use mailer::Mailer;

/// How often the alerter looks for new state changes and due emails.
const TICK: Duration = Duration::from_millis(500);
/// Held-back counts are checked this often (every this many ticks).
const SUMMARY_EVERY_TICKS: u32 = 10;
/// A claimed email's lease: longer than one SMTP exchange can take (each of its
/// steps is bounded by the 10 s SMTP timeout). Emails are claimed one at a time, so a
/// slow server cannot make a batch outlive its lease and be sent twice.
const LEASE: Duration = Duration::from_secs(300);
/// Emails sent per round at most.
const PER_ROUND: usize = 20;
/// Retry backoff: 1 s doubling up to 5 min, for as long as it takes.
const BACKOFF_MAX: Duration = Duration::from_secs(300);

pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(0, 16) as u32;
    Duration::from_secs(1u64 << exp).min(BACKOFF_MAX)
}

pub struct Alerter {
    store: Store,
    settings: Arc<Settings>,
    mailer: Mailer,
    owner: String,
}

impl Alerter {
    pub fn new(store: Store, settings: Arc<Settings>) -> anyhow::Result<Self> {
        use secrecy::ExposeSecret;
        let mailer = match &settings.smtp_url {
            Some(url) => {
                Mailer::smtp(url.expose_secret()).map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?
            }
            None => Mailer::files(&settings.data_dir.join("mail"))
                .map_err(|e| anyhow::anyhow!("HOOKRELAY_DATA_DIR: cannot create mail/: {e}"))?,
        };
        Ok(Self {
            store,
            settings,
            mailer,
            owner: format!("alerter_{}", ulid::Ulid::generate()),
        })
    }

    pub fn spawn(self) {
        tokio::spawn(async move {
            let mut tick = 0u32;
            loop {
                self.step(tick.is_multiple_of(SUMMARY_EVERY_TICKS)).await;
                tick = tick.wrapping_add(1);
                tokio::time::sleep(TICK).await;
            }
        });
    }

    /// One round: queue emails for new state changes (and, if `summaries`, for
    /// held-back counts whose window ended), then send what is due.
    pub async fn step(&self, summaries: bool) {
        let window = chrono::Duration::from_std(self.settings.alert_throttle)
            .unwrap_or(chrono::Duration::hours(1));
        let public_url = self.public_url();
        let compose = |event: &crate::store::AlertEvent| compose::compose(event, &public_url);
        if let Err(e) = self
            .store
            .turn_state_changes_into_emails(100, window, &compose)
            .await
        {
            tracing::warn!(error = %e, "could not queue alert emails");
        }
        if summaries && let Err(e) = self.store.summarize_held_back(window, &compose).await {
            tracing::warn!(error = %e, "could not queue alert summaries");
        }
        self.send_due().await;
    }

    async fn send_due(&self) {
        let lease = chrono::Duration::from_std(LEASE).expect("fits");
        for _ in 0..PER_ROUND {
            let email = match self.store.claim_alert_emails(&self.owner, lease, 1).await {
                Ok(mut emails) => match emails.pop() {
                    Some(email) => email,
                    None => return,
                },
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim alert emails");
                    return;
                }
            };
            match self.mailer.send(&self.settings.mail_from, &email).await {
                Ok(()) => {
                    tracing::info!(email = %email.id, "alert email sent");
                    if let Err(e) = self.store.alert_email_sent(&email.id, &self.owner).await {
                        tracing::warn!(email = %email.id, error = %e, "sent, but not marked sent");
                    }
                }
                Err(error) => {
                    let wait = backoff(email.attempts);
                    tracing::warn!(email = %email.id, %error, retry_in = ?wait, "alert email not sent; will retry");
                    let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    if let Err(e) = self
                        .store
                        .alert_email_failed(&email, &self.owner, &error, at)
                        .await
                    {
                        tracing::warn!(email = %email.id, error = %e, "could not reschedule an alert email");
                    }
                }
            }
        }
    }

    fn public_url(&self) -> String {
        match &self.settings.public_url {
            Some(url) => url.to_string(),
            None => format!("http://{}", self.settings.bind),
        }
    }
}
