//! The words of an alert email: a subject that says what happened, and a plain-text and
//! an HTML body naming the tenant, application, endpoint URL, failure reason, counts,
//! time window and a link to the endpoint's dashboard page. Never a secret, payload
//! or API key: only what `AlertEvent` carries.

use crate::store::{AlertEvent, ComposedEmail};

pub fn compose(event: &AlertEvent, public_url: &str) -> ComposedEmail {
    let link = format!(
        "{}/apps/{}/endpoints/{}",
        public_url.trim_end_matches('/'),
        event.app_id,
        event.endpoint_id
    );
    let what = headline(event);
    let subject = format!("[hookrelay] {what}: {}", event.endpoint_url);
    let reason = reason(&event.detail);
    let window = format!(
        "{} to {}",
        event.since.format("%Y-%m-%d %H:%M UTC"),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let mut facts: Vec<(&str, String)> = vec![
        ("Organization", event.tenant_name.clone()),
        (
            "Application",
            format!("{} ({})", event.app_name, event.app_id),
        ),
        ("Endpoint", event.endpoint_url.clone()),
    ];
    if let Some(reason) = reason {
        facts.push(("Last failure", reason));
    }
    if let Some(n) = event.detail["consecutiveFailures"].as_i64() {
        facts.push(("Consecutive failures", n.to_string()));
    }
    if let Some(n) = event.detail["attempts"].as_i64() {
        facts.push(("Attempts made", n.to_string()));
    }
    if let Some(why) = event.detail["reason"].as_str() {
        facts.push(("Why", why.to_string()));
    }
    facts.push(("Events in this email", event.count.to_string()));
    facts.push(("Time window", window));
    let held = held_back_line(event);

    let mut text = format!("{what}.\n\n");
    for (label, value) in &facts {
        text.push_str(&format!("{label}: {value}\n"));
    }
    if let Some(held) = &held {
        text.push_str(&format!("\n{held}\n"));
    }
    text.push_str(&format!("\nSee the endpoint: {link}\n"));

    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><h2>{}</h2><table>",
        escape(&what)
    );
    for (label, value) in &facts {
        html.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
            escape(label),
            escape(value)
        ));
    }
    html.push_str("</table>");
    if let Some(held) = &held {
        html.push_str(&format!("<p>{}</p>", escape(held)));
    }
    html.push_str(&format!(
        "<p><a href=\"{0}\">See the endpoint in the dashboard</a></p></body></html>",
        escape(&link)
    ));
    ComposedEmail {
        subject,
        text,
        html,
    }
}

fn headline(event: &AlertEvent) -> String {
    let n = event.count;
    match (event.kind.as_str(), event.summary) {
        ("message.exhausted", true) => format!("{n} more messages exhausted their retries"),
        ("message.exhausted", false) => "A message exhausted its retries".into(),
        ("endpoint.failing", true) => format!("Endpoint reported failing {n} more times"),
        ("endpoint.failing", false) => "Endpoint is failing".into(),
        ("endpoint.disabled", true) => format!("Endpoint disabled {n} more times"),
        ("endpoint.disabled", false) => "Endpoint disabled".into(),
        ("endpoint.recovered", true) => format!("Endpoint recovered {n} more times"),
        ("endpoint.recovered", false) => "Endpoint recovered".into(),
        (other, _) => format!("Alert: {other}"),
    }
}

/// "HTTP 500" or the error text of the last attempt.
fn reason(detail: &serde_json::Value) -> Option<String> {
    let last = &detail["last"];
    let error = last["error"].as_str().filter(|e| !e.is_empty());
    match (last["statusCode"].as_i64(), error) {
        (Some(code), _) if code > 0 => Some(format!("HTTP {code}")),
        (_, Some(error)) => Some(error.to_string()),
        _ => None,
    }
}

fn held_back_line(event: &AlertEvent) -> Option<String> {
    (event.held_back > 0).then(|| {
        format!(
            "{} more of these since {} were held back by the alert throttle and are included above.",
            event.held_back,
            event.since.format("%Y-%m-%d %H:%M UTC")
        )
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_everything_and_escapes_html() {
        let event = AlertEvent {
            kind: "endpoint.failing".into(),
            detail: serde_json::json!({"consecutiveFailures": 5, "last": {"statusCode": 503, "error": "HTTP 503"}}),
            tenant_name: "Acme <Corp>".into(),
            app_id: "app_1".into(),
            app_name: "Shop".into(),
            endpoint_id: "ep_1".into(),
            endpoint_url: "https://example.com/hook".into(),
            count: 1,
            held_back: 0,
            since: chrono::Utc::now(),
            summary: false,
        };
        let mail = compose(&event, "https://hr.example.com/");
        assert_eq!(
            mail.subject,
            "[hookrelay] Endpoint is failing: https://example.com/hook"
        );
        assert!(mail.text.contains("Organization: Acme <Corp>"));
        assert!(mail.text.contains("Last failure: HTTP 503"));
        assert!(
            mail.text
                .contains("https://hr.example.com/apps/app_1/endpoints/ep_1")
        );
        assert!(mail.html.contains("Acme &lt;Corp&gt;"));
        assert!(!mail.html.contains("<Corp>"));
    }
}
