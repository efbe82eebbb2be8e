use std::collections::HashMap;

use secrecy::ExposeSecret;

use super::*;

fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // Point at a file that does not exist so a developer's hookrelay.toml is not read.
    let cli = CliOverrides::default();
    Settings::load_from(&cli, |name| map.get(name).cloned())
}

#[test]
fn defaults_are_the_embedded_mode() {
    let s = load(&[]).unwrap();
    assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(s.data_dir, PathBuf::from("./data"));
    assert_eq!(s.database_kind, DatabaseKind::Sqlite);
    assert!(
        s.database_url
            .expose_secret()
            .starts_with("sqlite://./data/hookrelay.db")
    );
    assert!(s.redis_url.is_none() && s.smtp_url.is_none() && s.main_key.is_none());
    assert!(s.signup_enabled);
    assert_eq!(s.retry_schedule.len(), 7);
    assert_eq!(s.attempt_timeout, Duration::from_secs(15));
    assert_eq!(s.max_in_flight, 1024);
    assert_eq!(s.disable_after, Duration::from_secs(5 * 86_400));
    assert_eq!(s.max_body, 1 << 20);
    assert_eq!(s.role, Role::All);
    assert_eq!(s.rate_limit.map(|n| n.get()), Some(1000));
    assert_eq!(s.tenant_message_rate.map(|n| n.get()), Some(500));
    assert_eq!(s.mail_from, "hookrelay <alerts@localhost>");
}

#[test]
fn environment_sets_every_key() {
    let key = "ab".repeat(32);
    let s = load(&[
        ("HOOKRELAY_BIND", "0.0.0.0:9000"),
        ("HOOKRELAY_DATA_DIR", "/tmp/hr"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1/test"),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("SMTP_URL", "smtps://user:pass@mail.example.com:465"),
        ("HOOKRELAY_MAIL_FROM", "Ops <ops@example.com>"),
        ("HOOKRELAY_PUBLIC_URL", "https://hooks.example.com"),
        ("HOOKRELAY_MAIN_KEY", &key),
        ("HOOKRELAY_SIGNUP_ENABLED", "false"),
        ("HOOKRELAY_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8, 10.0.0.0/8"),
        ("HOOKRELAY_RETRY_SCHEDULE", "1s,2s"),
        ("HOOKRELAY_ATTEMPT_TIMEOUT", "500ms"),
        ("HOOKRELAY_DISABLE_AFTER", "1d"),
        ("HOOKRELAY_ALERT_THROTTLE", "10m"),
        ("HOOKRELAY_RETENTION", "7d"),
        ("HOOKRELAY_MAX_BODY", "2MiB"),
        ("HOOKRELAY_ROLE", "worker"),
        ("HOOKRELAY_RATE_LIMIT", "0"),
        ("HOOKRELAY_TENANT_MESSAGE_RATE", "0"),
    ])
    .unwrap();
    assert_eq!(s.bind.port(), 9000);
    assert_eq!(s.database_kind, DatabaseKind::Postgres);
    assert!(s.redis_url.is_some() && s.smtp_url.is_some() && s.main_key.is_some());
    assert!(!s.signup_enabled);
    assert_eq!(s.allow_private_cidrs.len(), 2);
    assert_eq!(
        s.retry_schedule,
        vec![Duration::from_secs(1), Duration::from_secs(2)]
    );
    assert_eq!(s.attempt_timeout, Duration::from_millis(500));
    assert_eq!(s.alert_throttle, Duration::from_secs(600));
    assert_eq!(s.retention, Duration::from_secs(7 * 86_400));
    assert_eq!(s.max_body, 2 << 20);
    assert_eq!(s.role, Role::Worker);
    assert_eq!(s.rate_limit, None, "0 switches the limit off");
    assert_eq!(s.tenant_message_rate, None);
    assert_eq!(s.public_url.unwrap().as_str(), "https://hooks.example.com/");
}

fn error_of(vars: &[(&str, &str)]) -> String {
    load(vars).unwrap_err().to_string()
}

#[test]
fn bad_values_name_their_key() {
    let e = error_of(&[("HOOKRELAY_RETRY_SCHEDULE", "5 parsecs")]);
    assert!(e.starts_with("HOOKRELAY_RETRY_SCHEDULE: "), "{e}");
    let e = error_of(&[("DATABASE_URL", "mysql://x")]);
    assert!(
        e.starts_with("DATABASE_URL: ") && e.contains("mysql"),
        "{e}"
    );
    let e = error_of(&[("HOOKRELAY_MAIN_KEY", "abc")]);
    assert!(
        e.starts_with("HOOKRELAY_MAIN_KEY: ") && e.contains("64 hex"),
        "{e}"
    );
    let e = error_of(&[("HOOKRELAY_ATTEMPT_TIMEOUT", "45s")]);
    assert!(e.starts_with("HOOKRELAY_ATTEMPT_TIMEOUT: "), "{e}");
    let e = error_of(&[("HOOKRELAY_MAX_IN_FLIGHT", "0")]);
    assert!(e.starts_with("HOOKRELAY_MAX_IN_FLIGHT: "), "{e}");
    let e = error_of(&[("HOOKRELAY_BIND", "localhost")]);
    assert!(e.starts_with("HOOKRELAY_BIND: "), "{e}");
    let e = error_of(&[("HOOKRELAY_ROLE", "boss")]);
    assert!(e.starts_with("HOOKRELAY_ROLE: "), "{e}");
    let e = error_of(&[("HOOKRELAY_ALLOW_PRIVATE_CIDRS", "10.0.0.0/99")]);
    assert!(e.starts_with("HOOKRELAY_ALLOW_PRIVATE_CIDRS: "), "{e}");
    let e = error_of(&[("HOOKRELAY_SIGNUP_ENABLED", "maybe")]);
    assert!(e.starts_with("HOOKRELAY_SIGNUP_ENABLED: "), "{e}");
    let e = error_of(&[("HOOKRELAY_MAIL_FROM", "not an address")]);
    assert!(e.starts_with("HOOKRELAY_MAIL_FROM: "), "{e}");
    let e = error_of(&[("HOOKRELAY_MAX_BODY", "12 bananas")]);
    assert!(e.starts_with("HOOKRELAY_MAX_BODY: "), "{e}");
}

#[test]
fn postgres_requires_a_main_key() {
    let e = error_of(&[("DATABASE_URL", "postgres://postgres@127.0.0.1/test")]);
    assert!(e.starts_with("HOOKRELAY_MAIN_KEY: required"), "{e}");
}

#[test]
fn service_urls_never_echo_their_password() {
    let e = error_of(&[("SMTP_URL", "ftp://user:hunter2hunter2@host")]);
    assert!(e.starts_with("SMTP_URL: ") && !e.contains("hunter2"), "{e}");
}

#[test]
fn file_layer_sits_under_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hookrelay.toml");
    std::fs::write(
        &file,
        "bind = \"127.0.0.1:9999\"\nsignup_enabled = false\nretry_schedule = [\"1s\", \"1m\"]\nmax_body = 4096\n",
    )
    .unwrap();
    let cli = CliOverrides {
        role: Some("api".into()),
        config_file: Some(file.clone()),
    };
    let env = |name: &str| (name == "HOOKRELAY_BIND").then(|| "127.0.0.1:7777".to_string());
    let s = Settings::load_from(&cli, env).unwrap();
    assert_eq!(s.bind.port(), 7777, "env beats file");
    assert!(!s.signup_enabled, "file beats default");
    assert_eq!(
        s.retry_schedule,
        vec![Duration::from_secs(1), Duration::from_secs(60)]
    );
    assert_eq!(s.max_body, 4096);
    assert_eq!(s.role, Role::Api, "command line beats everything");

    std::fs::write(&file, "retry_shedule = \"1s\"\n").unwrap();
    let e = Settings::load_from(&cli, |_| None).unwrap_err().to_string();
    assert!(
        e.contains("retry_shedule"),
        "an unknown key in the file is named: {e}"
    );
}
