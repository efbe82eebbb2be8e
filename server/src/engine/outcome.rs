//! The outcome policy (SPEC §5): what one attempt's result means for the delivery,
//! the endpoint, and the alerts outbox.

use chrono::Utc;
use serde_json::json;

use super::{Engine, SendOutcome, schedule};
use crate::{
    entities::endpoint,
    metrics::AttemptOutcome,
    store::{AttemptRecord, ClaimedDelivery, DeliveryContext, NextStep, StateChangeRecord},
};

impl Engine {
    /// Judges an attempt's outcome and counts it: what to record, with the
    /// delivery's next state.
    pub(super) fn conclude(
        &self,
        job: &ClaimedDelivery,
        context: &DeliveryContext,
        outcome: SendOutcome,
    ) -> AttemptRecord {
        let record = self.judge(job, &context.endpoint, outcome);
        self.metrics.attempt(match record.next {
            NextStep::Done => AttemptOutcome::Delivered,
            NextStep::RetryAt(_) => AttemptOutcome::Retrying,
            NextStep::GiveUp => AttemptOutcome::Failed,
        });
        if record.succeeded {
            let latency = (Utc::now() - context.message.created_at)
                .to_std()
                .unwrap_or_default();
            self.metrics.delivery_latency.observe(latency);
        }
        // Every attempt is in the delivery log (the database); the process log says
        // what someone may have to act on. A line per success was a formatted write
        // per delivery — 17,000 lines a second under fan-out — for nothing the
        // delivery log does not show; successes are there at debug level.
        if record.succeeded {
            tracing::debug!(
                delivery = %job.id, endpoint = %context.endpoint.id,
                attempt = job.attempt_count + 1, status = record.response_status_code,
                "attempt succeeded"
            );
        } else {
            tracing::info!(
                delivery = %job.id, endpoint = %context.endpoint.id,
                attempt = job.attempt_count + 1, status = record.response_status_code,
                "attempt failed"
            );
        }
        record
    }

    /// The outcome policy (SPEC §5): 2xx success; 410 disables the endpoint; anything
    /// else is retried on the schedule (honouring Retry-After on 429/503) until it runs
    /// out; manual attempts are tried once.
    pub(super) fn judge(
        &self,
        job: &ClaimedDelivery,
        ep: &endpoint::Model,
        outcome: SendOutcome,
    ) -> AttemptRecord {
        let status = outcome.status.unwrap_or(0);
        let succeeded = (200..300).contains(&status);
        let gone = status == 410;
        let retry_after = if matches!(status, 429 | 503) {
            outcome.retry_after
        } else {
            None
        };
        let next = if succeeded {
            NextStep::Done
        } else if gone || job.trigger == crate::domain::Trigger::Manual as i16 {
            NextStep::GiveUp
        } else {
            // Read only for a retry (a success needs no schedule).
            let schedule = match &ep.retry_schedule {
                Some(text) => crate::config::parse_duration_list(text)
                    .unwrap_or_else(|_| self.settings.retry_schedule.clone()),
                None => self.settings.retry_schedule.clone(),
            };
            match schedule::next_delay(&schedule, job.attempt_count as usize, retry_after) {
                Some(delay) => NextStep::RetryAt(
                    Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default(),
                ),
                None => NextStep::GiveUp,
            }
        };
        let disable_after = chrono::Duration::from_std(self.settings.disable_after)
            .unwrap_or(chrono::Duration::MAX);
        let failing_too_long = !succeeded
            && ep
                .failing_since
                .is_some_and(|since| Utc::now() - since > disable_after);
        let error = outcome
            .error
            .or_else(|| (!succeeded).then(|| format!("HTTP {status}")));
        let disable_reason = if gone {
            Some("410 Gone")
        } else if failing_too_long {
            Some("failing for longer than HOOKRELAY_DISABLE_AFTER")
        } else {
            None
        };
        let scheduled = job.trigger == crate::domain::Trigger::Scheduled as i16;
        let exhausted = !succeeded && !gone && scheduled && matches!(next, NextStep::GiveUp);
        let mut record = AttemptRecord {
            url: ep.url.clone(),
            succeeded,
            response_status_code: status as i32,
            response_body: outcome.body,
            error,
            duration_ms: outcome.duration.as_millis() as i64,
            next,
            disable_reason,
            state_changes: Vec::new(),
        };
        if exhausted {
            record.state_changes.push(StateChangeRecord {
                kind: "message.exhausted",
                detail: json!({"attempts": job.attempt_count + 1, "last": record.last()}),
            });
        }
        record
    }
}
