//! Email alerts end to end: failures → state changes → throttled, durable emails sent
//! by lettre to a real SMTP server on 127.0.0.1.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::delivery_support::{engine_app, send, setup};
use crate::helpers::{Backend, TestApp, assert_invalid, expect_status};
use crate::receiver::{Reply, TestReceiver};
use crate::smtp_sink::{Mode, SmtpSink, decoded, subject};

const PUBLIC_URL: &str = "https://hooks.example.com";

async fn alerting_app(backend: Backend, sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    engine_app(
        backend,
        &[
            ("SMTP_URL", url.as_str()),
            ("HOOKRELAY_PUBLIC_URL", PUBLIC_URL),
        ],
    )
    .await
}

/// Sends `n` messages that will all exhaust their (fast) retries against a 500.
async fn exhaust(app: &TestApp, key: &str, app_id: &str, n: usize) {
    for i in 0..n {
        send(
            app,
            key,
            app_id,
            &format!(r#"{{"eventType":"a.b","payload":{{"secretish":"payload-{i}"}}}}"#),
        )
        .await;
    }
}

#[tokio::test]
async fn settings_default_validate_and_belong_to_one_tenant() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, key) = app.signup("owner@example.com").await;
    let (_, other) = app.signup("other@example.com").await;
    let got = expect_status(app.get("/api/v1/alerts", Some(&key)).await, StatusCode::OK).await;
    assert_eq!(
        got["recipients"],
        json!(["owner@example.com"]),
        "the address that signed up"
    );
    assert_eq!(got["kinds"].as_array().unwrap().len(), 4, "every kind on");
    assert_eq!(got["throttleSeconds"], 3600);

    let new = json!({"recipients": ["ops@example.com", "OPS@example.com", "dev@example.com"], "kinds": ["message.exhausted"], "throttleSeconds": 600});
    let put = expect_status(
        app.put_json("/api/v1/alerts", Some(&key), &new).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        put["recipients"],
        json!(["ops@example.com", "dev@example.com"]),
        "normalised, once each"
    );
    for (bad, field) in [
        (
            json!({"recipients": ["not an address"], "kinds": []}),
            "recipients",
        ),
        (
            json!({"recipients": [], "kinds": ["endpoint.exploded"]}),
            "kinds",
        ),
        (
            json!({"recipients": [], "kinds": [], "throttleSeconds": 5}),
            "throttleSeconds",
        ),
    ] {
        assert_invalid(
            app.put_json("/api/v1/alerts", Some(&key), &bad).await,
            field,
        )
        .await;
    }
    let after = expect_status(app.get("/api/v1/alerts", Some(&key)).await, StatusCode::OK).await;
    assert_eq!(after, put, "refused changes changed nothing");
    let theirs = expect_status(
        app.get("/api/v1/alerts", Some(&other)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        theirs["recipients"],
        json!(["other@example.com"]),
        "one tenant's settings are its own"
    );
}

async fn an_alert_names_what_happened(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = alerting_app(backend, &sink).await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::status(500));
    let (key, app_id, ep_id) = setup(
        &app,
        "alerted@example.com",
        &format!("{}/hook", receiver.url),
    )
    .await;
    // Another tenant, healthy: its address must never get this tenant's alerts.
    let quiet = TestReceiver::start().await;
    quiet.always(Reply::status(204));
    let (quiet_key, quiet_app, _) = setup(&app, "bystander@example.com", &quiet.url).await;
    send(
        &app,
        &quiet_key,
        &quiet_app,
        r#"{"eventType":"a.b","payload":{}}"#,
    )
    .await;

    exhaust(&app, &key, &app_id, 1).await;
    let mails = sink.wait_for(1, 20).await;
    let mail = &mails[0];
    assert_eq!(mail.recipients, ["alerted@example.com"]);
    assert!(
        subject(mail).contains("A message exhausted its retries"),
        "{}",
        subject(mail)
    );
    let text = decoded(mail);
    assert!(
        text.contains("multipart/alternative"),
        "plain and HTML parts"
    );
    assert!(text.contains("text/plain") && text.contains("text/html"));
    for expected in [
        "Organization: Acme".to_string(),
        format!("Application: Receiver ({app_id})"),
        format!("Endpoint: {}/hook", receiver.url),
        "Last failure: HTTP 500".to_string(),
        "Attempts made: 3".to_string(),
        format!("{PUBLIC_URL}/apps/{app_id}/endpoints/{ep_id}"),
    ] {
        assert!(
            text.contains(&expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    for secret in [key.as_str(), "whsec_", "payload-0", "secretish"] {
        assert!(!text.contains(secret), "{secret:?} must not be in an email");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        sink.mails()
            .iter()
            .all(|m| m.recipients == ["alerted@example.com"]),
        "nobody else was emailed"
    );
}

#[tokio::test]
async fn an_alert_names_what_happened_sqlite() {
    an_alert_names_what_happened(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_alert_names_what_happened_postgres() {
    an_alert_names_what_happened(Backend::Postgres).await;
}

/// 20 exhausted messages (and the "failing" they cause) inside one throttle window,
/// with two processes running alerters: one email per kind; the rest is summarized.
#[tokio::test]
async fn twenty_failures_in_a_window_give_one_email_per_kind() {
    let sink = SmtpSink::start().await;
    let app = alerting_app(Backend::Postgres, &sink).await;
    let second = app.spawn_sharing(&[]).await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::status(500));
    let (key, app_id, _) = setup(&app, "throttled@example.com", &receiver.url).await;
    exhaust(&app, &key, &app_id, 20).await;
    // Every message exhausted: 20 × 3 attempts.
    let deadline = Instant::now() + Duration::from_secs(30);
    while receiver.received().len() < 60 {
        assert!(
            Instant::now() < deadline,
            "only {} attempts",
            receiver.received().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails = sink.mails();
    let subjects: Vec<String> = mails.iter().map(subject).collect();
    assert_eq!(mails.len(), 2, "{subjects:?}");
    assert_eq!(
        subjects.iter().filter(|s| s.contains("exhausted")).count(),
        1,
        "{subjects:?}"
    );
    assert_eq!(
        subjects.iter().filter(|s| s.contains("failing")).count(),
        1,
        "{subjects:?}"
    );

    // Once the window is over, what was held back goes out as one summary.
    let compose =
        |e: &hookrelay::store::AlertEvent| hookrelay::alerts::compose::compose(e, PUBLIC_URL);
    let queued = app
        .store
        .summarize_held_back(chrono::Duration::zero(), &compose)
        .await
        .unwrap();
    assert_eq!(queued, 1, "one summary: the exhausted messages");
    let mails = sink.wait_for(3, 10).await;
    let summary = decoded(&mails[2]);
    assert!(
        subject(&mails[2]).contains("19 more messages exhausted"),
        "{}",
        subject(&mails[2])
    );
    assert!(summary.contains("Events in this email: 19"), "{summary}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        sink.mails().len(),
        3,
        "each email once, with two alerters running"
    );
    drop(second);
}

/// Two failing endpoints (each on its own application) with an app and a key: the
/// test's starting point for SMTP trouble.
async fn two_failing_endpoints(app: &TestApp, email: &str) -> (String, String, String) {
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::status(500));
    let (key, app_id, _) = setup(app, email, &receiver.url).await;
    let other_app: Value = app
        .post_json("/api/v1/app", Some(&key), &json!({"name": "Second"}))
        .await
        .json()
        .await
        .unwrap();
    let other_app = other_app["id"].as_str().unwrap().to_string();
    app.post_json(
        &format!("/api/v1/app/{other_app}/endpoint"),
        Some(&key),
        &json!({"url": format!("{}/second", receiver.url)}),
    )
    .await;
    (key, app_id, other_app)
}

/// SMTP refusing while failures happen: the emails wait and arrive after it is back,
/// none lost and none twice.
#[tokio::test]
async fn an_smtp_outage_delays_emails_and_loses_none() {
    let sink = SmtpSink::start().await;
    sink.set(Mode::Refuse);
    let app = alerting_app(Backend::Sqlite, &sink).await;
    let (key, app_id, other_app) = two_failing_endpoints(&app, "outage@example.com").await;
    exhaust(&app, &key, &app_id, 1).await;
    exhaust(&app, &key, &other_app, 1).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        sink.mails().is_empty(),
        "nothing gets through while SMTP refuses"
    );

    sink.set(Mode::Accept);
    // Retried with backoff (1 s doubling): both arrive, each once.
    let deadline = Instant::now() + Duration::from_secs(60);
    while sink.mails().len() < 2 {
        assert!(Instant::now() < deadline, "the queued emails never arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let subjects: Vec<String> = sink.mails().iter().map(subject).collect();
    assert_eq!(subjects.len(), 2, "once each: {subjects:?}");
    assert!(
        subjects.iter().all(|s| s.contains("exhausted")),
        "{subjects:?}"
    );
}

/// An SMTP server that accepts connections and never answers: the API answers as fast
/// as ever (alerts are sent by a background task that never holds a request).
#[tokio::test]
async fn a_hanging_smtp_server_does_not_slow_the_api() {
    let sink = SmtpSink::start().await;
    sink.set(Mode::Hang);
    let app = alerting_app(Backend::Sqlite, &sink).await;
    let (key, app_id, other_app) = two_failing_endpoints(&app, "hang@example.com").await;
    exhaust(&app, &key, &app_id, 1).await;
    exhaust(&app, &key, &other_app, 1).await;
    // Let the alerter start sending into the hanging server.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        send(&app, &key, &app_id, r#"{"eventType":"x.y","payload":{}}"#).await;
        slowest = slowest.max(started.elapsed());
    }
    assert!(
        slowest < Duration::from_millis(500),
        "an API call took {slowest:?} while SMTP hung"
    );
    assert!(sink.mails().is_empty());
}

/// Without SMTP_URL, alerts are written as .eml files under <data_dir>/mail.
#[tokio::test]
async fn without_smtp_alerts_are_written_as_eml_files() {
    let app = engine_app(Backend::Sqlite, &[]).await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::status(500));
    let (key, app_id, _) = setup(&app, "files@example.com", &receiver.url).await;
    exhaust(&app, &key, &app_id, 1).await;
    let dir = app.data_dir().join("mail");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).collect())
            .unwrap_or_default();
        if let Some(file) = files.first() {
            let eml = std::fs::read_to_string(file.path()).unwrap();
            assert!(eml.contains("To: files@example.com"), "{eml}");
            assert!(eml.contains("exhausted"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no .eml file in {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
