//! hookrelay driven by third-party Python tools from PyPI (installed by
//! `e2e/test-all.sh` into `$HOME/.cache/hookrelay-venv`): the official Svix SDK with
//! only its server URL changed, and schemathesis fuzzing the API against its own
//! OpenAPI document.

use std::{path::PathBuf, process::Command};

use crate::support::{PgDatabase, Server, sign_up};

/// `HOOKRELAY_PYTHON`, else the test command's virtualenv, else `python3`.
pub fn python() -> PathBuf {
    if let Ok(path) = std::env::var("HOOKRELAY_PYTHON") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(std::env::var("HOME").unwrap_or_default())
        .join(".cache/hookrelay-venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(name)
}

async fn api_key(server: &Server, email: &str) -> String {
    sign_up(&server.url, "SDK Corp", email).await
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?}: {e} (run e2e/test-all.sh, which installs it)")
    });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

async fn svix_sdk_run(env: &[(&str, &str)]) {
    let mut all = vec![("HOOKRELAY_RATE_LIMIT", "0"), ("HOOKRELAY_ROLE", "api")];
    all.extend_from_slice(env);
    let server = Server::start(&all);
    let key = api_key(&server, "sdk@example.com").await;
    let output = run(Command::new(python())
        .arg(script("svix_sdk_check.py"))
        .arg(&server.url)
        .arg(&key));
    assert!(output.contains("svix sdk: all checks passed"));
}

#[tokio::test]
async fn the_official_svix_python_sdk_works_against_hookrelay() {
    svix_sdk_run(&[]).await;
}

#[tokio::test]
async fn the_official_svix_python_sdk_works_against_hookrelay_on_postgres() {
    let db = PgDatabase::create();
    let env = db.env();
    svix_sdk_run(&[(env[0].0, env[0].1.as_str()), (env[1].0, env[1].1.as_str())]).await;
}

/// Every check schemathesis has (server errors, response schemas, status codes,
/// content types, positive and negative data, auth, stateful use-after-delete …)
/// over every operation. The seed is fixed so CI is reproducible; run it with another
/// seed by hand to explore.
async fn schemathesis_run(env: &[(&str, &str)]) {
    let mut all = vec![("HOOKRELAY_RATE_LIMIT", "0"), ("HOOKRELAY_ROLE", "api")];
    all.extend_from_slice(env);
    let server = Server::start(&all);
    let key = api_key(&server, "fuzz@example.com").await;
    let output = run(Command::new(python())
        .args(["-c", "import sys; from schemathesis.cli import schemathesis; sys.argv[0] = 'schemathesis'; sys.exit(schemathesis())", "run"])
        .arg(format!("{}/api/v1/openapi.json", server.url))
        .args(["--url", &server.url])
        .args(["-H", &format!("Authorization: Bearer {key}")])
        .args(["--checks", "all", "--max-examples", "40", "--seed", "20261124", "--no-color"]));
    assert!(
        output.contains("Tested: 41"),
        "every operation was exercised"
    );
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_or_schema_violation() {
    schemathesis_run(&[]).await;
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_or_schema_violation_on_postgres() {
    let db = PgDatabase::create();
    let env = db.env();
    schemathesis_run(&[(env[0].0, env[0].1.as_str()), (env[1].0, env[1].1.as_str())]).await;
}
