//! The scenarios, and what they share: starting the target, tenants, waiting for
//! deliveries.

mod drain;
mod fanout;
mod ingest;
mod latency;
mod noisy;
mod pages;
mod sweep;

use std::time::Duration;

use crate::{
    Opts,
    api::Api,
    receiver::Receiver,
    report::Figure,
    target::{Backend, Managed, Pacing},
};

/// Where a scenario's load goes.
#[derive(Clone)]
pub enum Target {
    Managed(Backend),
    External { base: String, token: String },
}

impl Target {
    pub fn label(&self) -> String {
        match self {
            Target::Managed(b) => b.name().to_string(),
            Target::External { .. } => "external".to_string(),
        }
    }

    /// A running server (started here when managed, without pacing tenants) and a
    /// tenant on it.
    pub async fn start(&self, role: &str) -> anyhow::Result<(Option<Managed>, Tenant)> {
        self.start_pacing(role, Pacing::Off).await
    }

    pub async fn start_pacing(
        &self,
        role: &str,
        pacing: Pacing,
    ) -> anyhow::Result<(Option<Managed>, Tenant)> {
        match self {
            Target::Managed(backend) => {
                let managed = Managed::start(*backend, role, pacing)?;
                let tenant = Tenant::signup(&managed.url).await?;
                Ok((Some(managed), tenant))
            }
            Target::External { base, token } => Ok((
                None,
                Tenant {
                    api: Api::new(base, token),
                    id: None,
                    email: String::new(),
                },
            )),
        }
    }

    /// Another tenant on the same server (an external server gets the same token:
    /// its tenants are then applications).
    pub async fn another_tenant(&self, base: &str) -> anyhow::Result<Tenant> {
        match self {
            Target::Managed(_) => Tenant::signup(base).await,
            Target::External { base, token } => Ok(Tenant {
                api: Api::new(base, token),
                id: None,
                email: String::new(),
            }),
        }
    }
}

pub struct Tenant {
    pub api: Api,
    pub id: Option<String>,
    pub email: String,
}

pub const PASSWORD: &str = "bench-password-123";

impl Tenant {
    async fn signup(base: &str) -> anyhow::Result<Self> {
        let email = format!(
            "bench-{}@example.com",
            ulid::Ulid::generate().to_string().to_lowercase()
        );
        let (api, id) = Api::signup(base, &email, PASSWORD).await?;
        Ok(Self {
            api,
            id: Some(id),
            email,
        })
    }
}

/// What most scenarios measure against: a server started with `role`, a tenant on it,
/// one application `name` with one endpoint at `endpoint_url`, and that
/// application's timed message requests.
pub struct OneEndpoint {
    pub managed: Option<Managed>,
    pub tenant: Tenant,
    pub make: crate::load::MakeRequest,
}

impl Target {
    pub async fn one_endpoint(
        &self,
        role: &str,
        name: &str,
        endpoint_url: &str,
    ) -> anyhow::Result<OneEndpoint> {
        let (managed, tenant) = self.start(role).await?;
        let app = tenant.api.create_app(name).await?;
        tenant.api.create_endpoint(&app, endpoint_url).await?;
        let make = tenant.api.message_requests(&app, true);
        Ok(OneEndpoint {
            managed,
            tenant,
            make,
        })
    }
}

/// One open-loop window at `rate` whose every message must be accepted and arrive:
/// the load's result (accept latencies) and the accept → arrival latencies.
pub async fn open_loop_step(
    scenario: &str,
    rx: &Receiver,
    rate: f64,
    window: Duration,
    make: &crate::load::MakeRequest,
) -> anyhow::Result<(crate::load::LoadResult, crate::stats::Latency)> {
    rx.arrivals.reset();
    let r = crate::load::open_loop(rate, window, make.clone()).await;
    if r.errors > 0 {
        anyhow::bail!(
            "{scenario}: {} requests failed: {:?}",
            r.errors,
            r.first_error
        );
    }
    await_arrivals(rx, r.ok, Duration::from_secs(300)).await?;
    let (samples, _, _) = rx.arrivals.take();
    Ok((r, crate::stats::Latency::of(samples)))
}

/// Durations: full runs, or the smoke test's.
pub fn secs(opts: &Opts, full: f64, quick: f64) -> Duration {
    Duration::from_secs_f64(if opts.quick { quick } else { full })
}

/// Waits until the receiver saw `n`, or fails the scenario (it must stop by itself).
/// A delivery that arrived twice before the last one fails it too (`no_repeats`).
pub async fn await_arrivals(rx: &Receiver, n: u64, timeout: Duration) -> anyhow::Result<()> {
    if !rx.arrivals.wait_for(n, timeout).await {
        anyhow::bail!(
            "only {} of {n} deliveries arrived within {timeout:?}",
            rx.arrivals.count()
        );
    }
    no_repeats(rx, n)
}

/// Fails the scenario when a delivery arrived twice since the last reset: `n`
/// arrivals would then be fewer deliveries, and the rate a lie.
pub fn no_repeats(rx: &Receiver, n: u64) -> anyhow::Result<()> {
    let repeats = rx.arrivals.repeats();
    if repeats > 0 {
        anyhow::bail!("{repeats} of {n} deliveries arrived more than once");
    }
    Ok(())
}

pub async fn run(name: &str, opts: &Opts, rx: &Receiver) -> anyhow::Result<Vec<Figure>> {
    let targets: Vec<Target> = match &opts.external {
        Some((base, token)) => vec![Target::External {
            base: base.clone(),
            token: token.clone(),
        }],
        None => opts.backends.iter().map(|b| Target::Managed(*b)).collect(),
    };
    let mut figures = Vec::new();
    for target in targets {
        println!("\n== {name} on {}", target.label());
        let found = match name {
            "ingest" => ingest::run(opts, rx, &target).await?,
            "drain" => drain::run(opts, rx, &target).await?,
            "latency" => latency::run(opts, rx, &target).await?,
            "fanout" => fanout::run(opts, rx, &target).await?,
            "noisy" => noisy::run(opts, rx, &target).await?,
            "pages" => pages::run(opts, rx, &target).await?,
            "sweep" => sweep::run(opts, rx, &target).await?,
            other => anyhow::bail!("no scenario {other}"),
        };
        for f in &found {
            println!("{}", f.line());
        }
        figures.extend(found);
    }
    Ok(figures)
}

/// Waits until nothing has arrived for a second (a backlog drained), at most `timeout`.
pub async fn await_quiet(rx: &Receiver, timeout: Duration) {
    let deadline = std::time::Instant::now() + timeout;
    let mut last = u64::MAX;
    while std::time::Instant::now() < deadline {
        let now = rx.arrivals.count();
        if now == last {
            return;
        }
        last = now;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
