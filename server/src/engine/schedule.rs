//! When the next attempt happens: the retry schedule (global, or the endpoint's own)
//! with ±20 % jitter, and a receiver's `Retry-After` honoured within [step, 2 × step].

use std::time::Duration;

/// The delay before retry number `retry` (0 = the first retry), or `None` when the
/// schedule is exhausted.
pub fn next_delay(
    schedule: &[Duration],
    retry: usize,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    let step = *schedule.get(retry)?;
    let delay = match retry_after {
        Some(asked) => asked.clamp(step, step * 2),
        None => jitter(step),
    };
    Some(delay)
}

/// ±20 %, so a burst of failures does not come back as a burst of retries.
fn jitter(step: Duration) -> Duration {
    let unit = (rand::random::<u32>() as f64 / u32::MAX as f64) * 0.4 - 0.2;
    step.mul_f64(1.0 + unit)
}

/// `Retry-After` in seconds (HTTP dates are rare from webhook receivers; ignored).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_schedule_with_jitter_until_exhausted() {
        let schedule = [Duration::from_secs(5), Duration::from_secs(300)];
        for _ in 0..100 {
            let d = next_delay(&schedule, 0, None).unwrap();
            assert!(
                d >= Duration::from_secs(4) && d <= Duration::from_secs(6),
                "{d:?}"
            );
        }
        assert!(next_delay(&schedule, 1, None).unwrap() >= Duration::from_secs(240));
        assert_eq!(next_delay(&schedule, 2, None), None);
    }

    #[test]
    fn retry_after_is_clamped_to_the_step() {
        let schedule = [Duration::from_secs(5)];
        assert_eq!(
            next_delay(&schedule, 0, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            next_delay(&schedule, 0, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            next_delay(&schedule, 0, Some(Duration::from_secs(3600))),
            Some(Duration::from_secs(10))
        );
        assert_eq!(parse_retry_after(" 12 "), Some(Duration::from_secs(12)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
