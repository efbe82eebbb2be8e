//! Reads at depth: a tenant with `--attempts` attempts of history (seeded straight
//! into the database), then the delivery log through the API and every dashboard
//! page rendered server-side, first page and a page 1,000,000 rows deep. Requests are
//! sequential (one user), each page timed `REQUESTS` times per run.

use std::time::Instant;

use anyhow::{Context, bail};

use super::{PASSWORD, Target};
use crate::{
    Opts,
    receiver::Receiver,
    report::Figure,
    seed::{self, Owner},
    stats::{Latency, micros},
};

pub async fn run(opts: &Opts, rx: &Receiver, target: &Target) -> anyhow::Result<Vec<Figure>> {
    let Target::Managed(_) = target else {
        println!("  skipped: seeding history needs hookrelay's database");
        return Ok(vec![]);
    };
    let label = target.label();
    let (managed, tenant) = target.start("all").await?;
    let managed = managed.context("a managed target")?;
    let api = &tenant.api;
    let app = api.create_app("history").await?;
    let url = format!("{}/pages", rx.url);
    let ep = api.create_endpoint(&app, &url).await?;
    let attempts = if opts.quick { 2_000 } else { opts.attempts };
    let depth = (attempts / 2).min(1_000_000);
    println!("  seeding {attempts} attempts …");
    let seeded = seed::history(
        &managed.database_url,
        &Owner {
            tenant_id: tenant.id.as_deref().context("tenant id")?,
            app_id: &app,
            endpoint_id: &ep,
            endpoint_url: &url,
        },
        attempts,
        depth,
    )
    .await?;
    let cookie = log_in(&managed.url, &tenant.email).await?;
    let deep = &seeded.deep_cursor;
    let msg = &seeded.message_id;

    let api_pages = [
        (
            "API attempts, first page".to_string(),
            format!("/api/v1/app/{app}/attempt/endpoint/{ep}"),
        ),
        (
            format!("API attempts, {depth} deep"),
            format!("/api/v1/app/{app}/attempt/endpoint/{ep}?iterator={deep}"),
        ),
        (
            "API messages, first page".to_string(),
            format!("/api/v1/app/{app}/msg"),
        ),
    ];
    let dashboard_pages = [
        ("page /apps".to_string(), "/apps".to_string()),
        ("page endpoints".to_string(), format!("/apps/{app}")),
        (
            "page endpoint (24 h chart)".to_string(),
            format!("/apps/{app}/endpoints/{ep}"),
        ),
        ("page log, first".to_string(), format!("/apps/{app}/log")),
        (
            format!("page log, {depth} deep"),
            format!("/apps/{app}/log?iterator={deep}"),
        ),
        (
            "page message".to_string(),
            format!("/apps/{app}/messages/{msg}"),
        ),
        ("page event types".to_string(), "/event-types".to_string()),
        ("page API keys".to_string(), "/api-keys".to_string()),
        ("page alerts".to_string(), "/alerts".to_string()),
    ];
    let requests = if opts.quick { 10 } else { 200 };
    let client = crate::load::client();
    let mut figures = Vec::new();
    for (name, path, dashboard) in api_pages
        .into_iter()
        .map(|(n, p)| (n, p, false))
        .chain(dashboard_pages.into_iter().map(|(n, p)| (n, p, true)))
    {
        let mut p99 = Vec::new();
        for _ in 0..opts.runs {
            let mut samples = Vec::with_capacity(requests);
            for i in 0..=requests {
                let req = if dashboard {
                    client
                        .get(format!("{}{path}", managed.url))
                        .header("cookie", &cookie)
                } else {
                    api.client
                        .get(format!("{}{path}", managed.url))
                        .bearer_auth(api_token(api))
                };
                let started = Instant::now();
                let resp = req.send().await?;
                let status = resp.status();
                let body = resp.text().await?;
                if status != 200 {
                    bail!("{path}: HTTP {status}: {}", &body[..body.len().min(300)]);
                }
                if i > 0 {
                    samples.push(micros(started.elapsed()));
                }
            }
            p99.push(Latency::of(samples).p99 as f64 / 1e3);
        }
        let goal = if name.contains("log") || name.contains("attempts") {
            "≤ 20"
        } else {
            "≤ 50"
        };
        figures.push(
            Figure::new("pages", &label, &format!("{name} p99"), "ms")
                .runs(p99)
                .goal(goal),
        );
    }
    println!("  ({attempts} attempts seeded; {requests} sequential requests per page per run)");
    Ok(figures)
}

fn api_token(api: &crate::api::Api) -> &str {
    api.token()
}

/// Signs in through the login form as a browser without JavaScript would, and
/// returns the session cookie.
async fn log_in(base: &str, email: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let at = page.find("action=\"/dash/").context("the login form")? + "action=\"".len();
    let action = &page[at..at + page[at..].find('"').context("the form's action")?];
    let resp = client
        .post(format!("{base}{action}"))
        .header("origin", base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email={}&password={PASSWORD}",
            email.replace('@', "%40")
        ))
        .send()
        .await?;
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hr_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
        .context("signing in gave no session cookie")
}
