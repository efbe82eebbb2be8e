use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Server, run_to_exit};

#[tokio::test]
async fn starts_with_zero_setup_on_the_port_it_logs() {
    let server = Server::start(&[]);
    assert!(
        !server.url.ends_with(":0"),
        "port 0 is replaced by the real port: {}",
        server.url
    );
    let res = reqwest::get(format!("{}/health", server.url))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = reqwest::get(&server.url).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("hookrelay"));

    // Embedded defaults: SQLite file and a generated main key under ./data.
    let data = server.dir.path().join("data");
    assert!(
        data.join("hookrelay.db").exists(),
        "SQLite database under ./data"
    );
    let key = std::fs::read_to_string(data.join("main.key")).unwrap();
    assert!(key.trim().len() == 64 && key.trim().bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn bad_configuration_stops_start_up_with_one_line_naming_the_key() {
    let cases = [
        ("HOOKRELAY_RETRY_SCHEDULE", "5 parsecs"),
        ("DATABASE_URL", "mysql://x"),
        ("HOOKRELAY_MAIN_KEY", "not-64-hex-digits"),
        ("HOOKRELAY_ATTEMPT_TIMEOUT", "45s"),
        ("HOOKRELAY_BIND", "everywhere"),
        ("HOOKRELAY_MAX_BODY", "huge"),
        ("SMTP_URL", "carrier-pigeon://coop"),
    ];
    for (key, value) in cases {
        let out = run_to_exit(&[(key, value)], &[]);
        assert!(!out.status.success(), "{key}={value} started");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "one line for {key}: {stderr}");
        assert!(lines[0].contains(key), "the line names {key}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "{stderr}"
        );
    }
    let out = run_to_exit(
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1/test")],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("HOOKRELAY_MAIN_KEY"),
        "PostgreSQL needs a main key"
    );
    let out = run_to_exit(&[], &["--role", "boss"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("HOOKRELAY_ROLE"));
}

#[test]
fn a_config_file_is_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("custom.toml");
    std::fs::write(&file, "retry_schedule = \"5 parsecs\"\n").unwrap();
    let out = run_to_exit(&[("HOOKRELAY_CONFIG", file.to_str().unwrap())], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("HOOKRELAY_RETRY_SCHEDULE"));
}

#[tokio::test]
async fn a_worker_process_serves_health_but_not_the_api() {
    let server = Server::start_with_args(&[], &["--role", "worker"]);
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{}/health", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let res = client
        .post(format!("{}/api/v1/signup", server.url))
        .json(&json!({"organization": "Acme", "email": "w@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_request_is_logged_with_its_id_method_path_and_status() {
    let mut server = Server::start(&[]);
    let client = reqwest::Client::new();
    let id_of =
        |res: &reqwest::Response| res.headers()["x-request-id"].to_str().unwrap().to_string();
    let res = client
        .get(format!("{}/health?probe=1", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let id = id_of(&res);
    let refused = client
        .get(format!("{}/api/v1/app?limit=5", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // Refused by the API-key middleware, and still given its id to quote.
    let refused_id = id_of(&refused);
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.stop();

    // The line written when a request's span closes: the one an operator finds by
    // the id a user quotes, or by its path.
    let log = server.output();
    let closing = |needle: &str| -> String {
        log.lines()
            .find(|l| l.contains(needle) && l.contains("close"))
            .unwrap_or_else(|| panic!("no line for {needle}:\n{log}"))
            .to_string()
    };
    let line = closing(&format!("request_id={id}"));
    for field in [
        "http.method=GET",
        "http.target=/health?probe=1",
        "http.client_ip=127.0.0.1",
        "http.status_code=200",
    ] {
        assert!(line.contains(field), "{field} missing from {line}");
    }
    let line = closing(&format!("request_id={refused_id}"));
    assert!(line.contains("http.target=/api/v1/app?limit=5"), "{line}");
    assert!(line.contains("http.status_code=401"), "{line}");
}

#[tokio::test]
async fn api_keys_and_passwords_never_reach_the_logs() {
    // Debug level: the most the process ever logs.
    let mut server = Server::start(&[("RUST_LOG", "debug")]);
    let client = reqwest::Client::new();
    let password = "a very memorable passphrase";
    let res = client
        .post(format!("{}/api/v1/signup", server.url))
        .json(&json!({"organization": "Acme", "email": "logs@example.com", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let key = res.json::<Value>().await.unwrap()["apiKey"]
        .as_str()
        .unwrap()
        .to_string();
    let created: Value = client
        .post(format!("{}/api/v1/api-keys", server.url))
        .bearer_auth(&key)
        .json(&json!({"name": "second"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second = created["key"].as_str().unwrap().to_string();
    // Failures are logged too: a bad body and a revoked key.
    client
        .post(format!("{}/api/v1/api-keys", server.url))
        .bearer_auth(&second)
        .header("content-type", "application/json")
        .body(format!("{{\"name\": \"{second}"))
        .send()
        .await
        .unwrap();
    client
        .delete(format!(
            "{}/api/v1/api-keys/{}",
            server.url,
            created["id"].as_str().unwrap()
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let res = client
        .get(format!("{}/api/v1/api-keys", server.url))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.stop();

    let log = server.output();
    assert!(
        log.contains("/api/v1/api-keys"),
        "requests are logged: {log}"
    );
    for secret in [key.as_str(), second.as_str(), password] {
        assert!(!log.contains(secret), "{secret} appears in the log");
    }
    // Not even a long enough piece of one to be useful.
    assert!(
        !log.contains(&key[3..20]),
        "part of the key appears in the log"
    );
}
