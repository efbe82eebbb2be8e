//! Running the real binary: `Server::start(&[("KEY", "value")])` launches it in a
//! fresh working directory with a clean environment, waits for the "listening on" log
//! line and kills it when dropped.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

/// The `hookrelay` binary: `HOOKRELAY_BIN`, or the one cargo built beside this test.
pub fn hookrelay_bin() -> PathBuf {
    if let Ok(path) = std::env::var("HOOKRELAY_BIN") {
        return PathBuf::from(path);
    }
    // <target>/<profile>/deps/e2e-<hash> → <target>/<profile>/hookrelay
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("hookrelay");
    assert!(
        bin.exists(),
        "{} not built: run `cargo build -p hookrelay` first",
        bin.display()
    );
    bin
}

/// A command for the binary with nothing inherited but PATH and HOME, run in `dir`.
pub fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(hookrelay_bin());
    cmd.env_clear().current_dir(dir);
    for key in ["PATH", "HOME"] {
        if let Ok(value) = std::env::var(key) {
            cmd.env(key, value);
        }
    }
    cmd.envs(env.iter().copied());
    cmd
}

/// Runs the binary to completion (it is expected to refuse to start), at most 20 s.
pub fn run_to_exit(env: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(dir.path(), env)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("hookrelay did not exit with env {env:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

pub struct Server {
    pub url: String,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Server {
    pub fn start(env: &[(&str, &str)]) -> Self {
        Self::start_with_args(env, &[])
    }

    pub fn start_with_args(env: &[(&str, &str)], args: &[&str]) -> Self {
        // reqwest is compiled without a TLS provider (see hookrelay's engine): the
        // tests' HTTP clients need one installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let mut all: Vec<(&str, &str)> = vec![("HOOKRELAY_BIND", "127.0.0.1:0")];
        all.extend_from_slice(env);
        let stdout = fs::File::create(dir.path().join("stdout.log")).unwrap();
        let stderr = fs::File::create(dir.path().join("stderr.log")).unwrap();
        let mut child = command(dir.path(), &all)
            .args(args)
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = loop {
            let log = fs::read_to_string(dir.path().join("stdout.log")).unwrap_or_default();
            if let Some(url) = listening_url(&log) {
                break url;
            }
            if let Some(status) = child.try_wait().unwrap() {
                let err = fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
                panic!("hookrelay exited with {status} before listening:\n{log}\n{err}");
            }
            assert!(
                Instant::now() < deadline,
                "hookrelay did not log its URL in 60 s:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(25));
        };
        Self {
            url,
            dir,
            child: Some(child),
        }
    }

    /// Stops it with SIGTERM, as an orchestrator would, and waits for the exit.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                child.kill().ok();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.wait();
    }

    /// SIGKILL: no shutdown of any kind, as in a crash or an OOM kill.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// Everything it wrote to stdout and stderr so far.
    pub fn output(&self) -> String {
        let out = fs::read_to_string(self.dir.path().join("stdout.log")).unwrap_or_default();
        let err = fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default();
        format!("{out}{err}")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

/// Finds the URL in "hookrelay listening on http://127.0.0.1:PORT".
fn listening_url(log: &str) -> Option<String> {
    let start = log.find("listening on http://")? + "listening on ".len();
    let rest = &log[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '\u{1b}')
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

/// The password every test tenant signs up with.
pub const PASSWORD: &str = "correct horse battery";

/// Signs `organization` up on the server at `server_url` with [`PASSWORD`] and returns
/// its API key; panics unless the sign-up answered 201.
pub async fn sign_up(server_url: &str, organization: &str, email: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{server_url}/api/v1/signup"))
        .json(&serde_json::json!({"organization": organization, "email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        reqwest::StatusCode::CREATED,
        "sign-up of {email}"
    );
    res.json::<serde_json::Value>().await.unwrap()["apiKey"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh PostgreSQL database on the test server (via `psql`), dropped on drop; with
/// the env a `hookrelay` process needs to use it.
pub struct PgDatabase {
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn create() -> Self {
        let name = format!("hr_e2e_{}", std::process::id()) + &format!("_{}", free_port());
        psql(&format!("CREATE DATABASE {name}"));
        let base = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let url = match base.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("TEST_POSTGRES_URL has no database part"),
        };
        Self { name, url }
    }

    pub fn env(&self) -> [(&'static str, String); 2] {
        [
            ("DATABASE_URL", self.url.clone()),
            ("HOOKRELAY_MAIN_KEY", "7e".repeat(32)),
        ]
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

fn psql(sql: &str) {
    let status = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            sql,
        ])
        .stdout(Stdio::null())
        .status()
        .expect("psql runs (PostgreSQL client tools)");
    assert!(status.success(), "psql failed: {sql}");
}
