//! One attempt: what the engine sends for a claimed or handed-off delivery, and the
//! attempt it records — or none, when the delivery is skipped (its message or
//! endpoint gone, the endpoint disabled) or deferred (over its `throttleRate`).

use chrono::Utc;

use super::{Engine, SendOutcome, request};
use crate::store::{AttemptRecord, ClaimedDelivery};

impl Engine {
    /// Makes `job`'s attempt and returns what to record; `None` when it ended
    /// without one (skipped or deferred, already written).
    pub(super) async fn attempt(
        &self,
        job: &ClaimedDelivery,
    ) -> Result<Option<AttemptRecord>, crate::store::StoreError> {
        let Some(context) = &job.context else {
            return self.store.skip_delivery(job).await.map(|()| None);
        };
        let (msg, ep) = (&context.message, &context.endpoint);
        if ep.disabled {
            return self.store.skip_delivery(job).await.map(|()| None);
        }
        if let Err(wait) = self.isolation.throttle(ep) {
            let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            return self.store.defer_delivery(job, at).await.map(|()| None);
        }
        let secrets = match context.secrets.opened(&self.main_key, &ep.id) {
            Ok(secrets) => secrets,
            Err(e) => {
                // Not something waiting fixes by itself (a changed main key, most
                // likely): record it as a failed attempt, so the delivery advances on
                // its schedule and the failure is visible, instead of looping unseen.
                tracing::error!(endpoint = %ep.id, error = %e, "cannot load the endpoint's signing secrets");
                let outcome = SendOutcome::not_sent(
                    "the endpoint's signing secret could not be read (was HOOKRELAY_MAIN_KEY changed?)",
                );
                return Ok(Some(self.conclude(job, context, outcome)));
            }
        };
        // Retention purged the payload: there is nothing true left to send, so the
        // attempt fails visibly rather than sending something the tenant never wrote.
        let Some(payload) = msg.payload.clone() else {
            let outcome = SendOutcome::not_sent(
                "the message's payload was purged (older than HOOKRELAY_RETENTION)",
            );
            return Ok(Some(self.conclude(job, context, outcome)));
        };
        let body = payload.into_bytes();
        let headers = match request::request_headers(msg, ep, secrets, &body, context.svix_headers)
        {
            Ok(headers) => headers,
            Err(why) => {
                return Ok(Some(self.conclude(
                    job,
                    context,
                    SendOutcome::not_sent(&why),
                )));
            }
        };
        let outcome = {
            let _in_flight = self.metrics.in_flight();
            self.sender.send(&context.url, headers, body).await
        };
        self.metrics.attempt_duration.observe(outcome.duration);
        Ok(Some(self.conclude(job, context, outcome)))
    }
}
