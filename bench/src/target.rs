//! What is measured: a `hookrelay` process the harness starts (embedded SQLite, or
//! PostgreSQL + Redis on a database it creates and drops), or any server speaking the
//! Svix API, given its base URL and a token.

use std::{
    fs,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres+redis",
        }
    }
}

/// A `hookrelay` process on its own data directory / database.
pub struct Managed {
    pub backend: Backend,
    pub url: String,
    pub database_url: String,
    dir: tempfile::TempDir,
    pg_name: Option<String>,
    child: Option<Child>,
    pacing: Pacing,
}

/// Whether hookrelay paces each tenant's messages (`HOOKRELAY_TENANT_MESSAGE_RATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// Off: throughput scenarios send one tenant's load far above any tenant's share.
    Off,
    /// hookrelay's default rate: what a flooding tenant meets in production.
    Default,
}

/// `BENCH_PG_ICU_LOCALE` (e.g. `en-US`): each benchmark database is created with that
/// ICU locale as its default collation, as on many servers, instead of the cluster's
/// default (what comparing text costs depends on it; BENCHMARKS.md, "Ids in byte
/// order").
fn database_locale() -> anyhow::Result<String> {
    let Ok(locale) = std::env::var("BENCH_PG_ICU_LOCALE") else {
        return Ok(String::new());
    };
    if locale.is_empty()
        || !locale
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        anyhow::bail!("BENCH_PG_ICU_LOCALE={locale:?}: expected an ICU locale such as en-US");
    }
    Ok(format!(
        " TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE '{locale}' \
         LOCALE 'C.UTF-8'"
    ))
}

/// `HOOKRELAY_BIN`, or `hookrelay` beside this binary (same cargo profile).
fn hookrelay_bin() -> anyhow::Result<PathBuf> {
    if let Ok(path) = std::env::var("HOOKRELAY_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let bin = exe.with_file_name("hookrelay");
    if !bin.exists() {
        bail!(
            "{} is missing: build it first (`cargo build --release -p hookrelay`)",
            bin.display()
        );
    }
    Ok(bin)
}

pub fn postgres_server() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .ok()
        .and_then(|u| u.rsplit_once('/').map(|(server, _)| server.to_string()))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432".into())
}

/// `?sslmode=disable` for a server on this machine. hookrelay's driver (sqlx) uses
/// TLS whenever the server offers it (`prefer`), and Debian's PostgreSQL does by
/// default: on loopback that encrypts nothing worth it and cost about a fifth of the
/// CPU a message takes at 200 msg/s, more in a fan-out (BENCHMARKS.md). A deployment
/// whose database is on the same host would turn it off the same way.
fn loopback_tls(server: &str) -> &'static str {
    // `postgres://user@host:port` or `postgres://host:port`: what follows the last
    // `@` or `/`.
    let host = server.rsplit(['@', '/']).next().unwrap_or_default();
    if host.starts_with("127.0.0.1") || host.starts_with("localhost") {
        "?sslmode=disable"
    } else {
        ""
    }
}

fn psql(sql: &str) -> anyhow::Result<()> {
    let status = Command::new("psql")
        .arg(format!("{}/postgres", postgres_server()))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .stdout(Stdio::null())
        .status()
        .context("psql (PostgreSQL client tools) must be installed")?;
    if !status.success() {
        bail!("psql failed: {sql}");
    }
    Ok(())
}

impl Managed {
    /// Starts `hookrelay --role <role>` on a fresh database.
    pub fn start(backend: Backend, role: &str, pacing: Pacing) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let (database_url, pg_name) = match backend {
            Backend::Sqlite => (
                format!(
                    "sqlite://{}/data/hookrelay.db?mode=rwc",
                    dir.path().display()
                ),
                None,
            ),
            Backend::Postgres => {
                let name = format!(
                    "hr_bench_{}",
                    ulid::Ulid::generate().to_string().to_lowercase()
                );
                psql(&format!("CREATE DATABASE {name}{}", database_locale()?))?;
                let server = postgres_server();
                (
                    format!("{server}/{name}{}", loopback_tls(&server)),
                    Some(name),
                )
            }
        };
        let mut managed = Self {
            backend,
            url: String::new(),
            database_url,
            dir,
            pg_name,
            child: None,
            pacing,
        };
        managed.launch(role)?;
        Ok(managed)
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("HOOKRELAY_BIND", "127.0.0.1:0".to_string()),
            (
                "HOOKRELAY_DATA_DIR",
                self.dir.path().join("data").display().to_string(),
            ),
            ("HOOKRELAY_MAIN_KEY", "7e".repeat(32)),
            ("HOOKRELAY_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8".into()),
            // The load is one tenant's key far above the default 1,000 requests/s.
            ("HOOKRELAY_RATE_LIMIT", "0".into()),
            ("DATABASE_URL", self.database_url.clone()),
        ];
        if self.pacing == Pacing::Off {
            env.push(("HOOKRELAY_TENANT_MESSAGE_RATE", "0".into()));
        }
        if self.backend == Backend::Postgres {
            let redis = std::env::var("BENCH_REDIS_URL")
                .unwrap_or_else(|_| "redis://127.0.0.1:6379/3".into());
            env.push(("REDIS_URL", redis));
        }
        for key in ["RUST_LOG", "HOOKRELAY_ATTEMPT_TIMEOUT"] {
            if let Ok(v) = std::env::var(key) {
                env.push((key, v));
            }
        }
        env
    }

    fn launch(&mut self, role: &str) -> anyhow::Result<()> {
        let log = self.dir.path().join(format!("{role}.log"));
        let mut cmd = Command::new(hookrelay_bin()?);
        cmd.env_clear().current_dir(self.dir.path());
        for key in ["PATH", "HOME"] {
            if let Ok(v) = std::env::var(key) {
                cmd.env(key, v);
            }
        }
        let child = cmd
            .envs(self.env())
            .args(["--role", role])
            .stdout(fs::File::create(&log)?)
            .stderr(fs::File::create(log.with_extension("err"))?)
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = fs::read_to_string(&log).unwrap_or_default();
            if let Some(at) = out.find("listening on http://") {
                let rest = &out[at + "listening on ".len()..];
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '\u{1b}')
                    .unwrap_or(rest.len());
                self.url = rest[..end].to_string();
                return Ok(());
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait()? {
                let err = fs::read_to_string(log.with_extension("err")).unwrap_or_default();
                bail!("hookrelay exited ({status}) before listening:\n{out}\n{err}");
            }
            if Instant::now() > deadline {
                bail!("hookrelay did not start in 60 s:\n{out}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM and wait, then start again with another role on the same database.
    pub fn restart(&mut self, role: &str) -> anyhow::Result<()> {
        self.stop();
        self.launch(role)
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl Drop for Managed {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(name) = &self.pg_name {
            // BENCH_KEEP_DB=1 keeps it for a look with psql (EXPLAIN ANALYZE).
            if std::env::var_os("BENCH_KEEP_DB").is_some() {
                eprintln!("kept database {name}");
            } else {
                let _ = psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// A process's resident set now and its peak, in MiB (Linux `/proc`).
pub fn rss_mib(pid: u32) -> Option<(f64, f64)> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[cfg(test)]
mod tests {
    use super::loopback_tls;

    #[test]
    fn tls_is_turned_off_only_for_a_server_on_this_machine() {
        assert_eq!(
            loopback_tls("postgres://postgres@127.0.0.1:5432"),
            "?sslmode=disable"
        );
        assert_eq!(loopback_tls("postgres://localhost"), "?sslmode=disable");
        assert_eq!(loopback_tls("postgres://u@db.example.com:5432"), "");
    }
}
