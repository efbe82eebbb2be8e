//! An application's delivery log: attempts newest first, cursor-paginated, filtered by
//! status, event type, endpoint and time. The filters are a GET form and the pages
//! plain links (full page loads: the query string is the state), so it all works
//! without JavaScript.

use leptos::{either::EitherOf3, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::backend::{LogQuery, LogRow, User};
use crate::components::{
    authed::Authed,
    missing::{Missing, is_missing},
};
use crate::server_fns::log::delivery_log;

#[component]
pub fn DeliveryLogPage() -> impl IntoView {
    view! { <Authed page=|_user: User| view! { <DeliveryLog /> } /> }
}

#[component]
fn DeliveryLog() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let source = move || {
        let app = params.with(|p| p.get("app").unwrap_or_default());
        let q = query.with(|q| LogQuery {
            status: q.get("status").unwrap_or_default(),
            event_type: q.get("event_type").unwrap_or_default(),
            endpoint: q.get("endpoint").unwrap_or_default(),
            hours: q.get("hours").unwrap_or_default(),
            iterator: q.get("iterator").unwrap_or_default(),
        });
        (app, q)
    };
    let page = Resource::new(source, |(app, q)| delivery_log(app, q));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the log…"</p> }>
            {move || {
                let (_, q) = source();
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => {
                            let base = format!("/apps/{}/log", page.app.id);
                            let link = |iterator: &str| {
                                format!(
                                    "{base}?status={}&event_type={}&endpoint={}&hours={}&iterator={iterator}",
                                    q.status, q.event_type, q.endpoint, q.hours
                                )
                            };
                            let next = page.next.as_deref().map(&link);
                            let prev = page.prev.as_deref().map(link);
                            let app_id = page.app.id.clone();
                            let selected = |v: &str, current: &str| v == current;
                            EitherOf3::A(view! {
                                <p><a href="/apps">"Applications"</a> " / "
                                   <a href=format!("/apps/{}", page.app.id)>{page.app.name.clone()}</a> " / delivery log"</p>
                                <h1>"Delivery log"</h1>
                                <form method="get" action=base.clone() class="create" id="log-filter">
                                    <label>"Status"
                                        <select name="status">
                                            <option value="" selected=selected("", &q.status)>"any"</option>
                                            <option value="succeeded" selected=selected("succeeded", &q.status)>"succeeded"</option>
                                            <option value="failed" selected=selected("failed", &q.status)>"failed"</option>
                                        </select>
                                    </label>
                                    <label>"Event type" <input type="text" name="event_type" value=q.event_type.clone() placeholder="any" /></label>
                                    <label>"Endpoint"
                                        <select name="endpoint">
                                            <option value="">"any"</option>
                                            {page.endpoints.iter().map(|(id, url)| view! {
                                                <option value=id.clone() selected=selected(id, &q.endpoint)>{url.clone()}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <label>"Time"
                                        <select name="hours">
                                            <option value="" selected=selected("", &q.hours)>"all"</option>
                                            <option value="1" selected=selected("1", &q.hours)>"last hour"</option>
                                            <option value="24" selected=selected("24", &q.hours)>"last 24 hours"</option>
                                            <option value="168" selected=selected("168", &q.hours)>"last 7 days"</option>
                                        </select>
                                    </label>
                                    <button type="submit" id="apply-filter">"Filter"</button>
                                </form>
                                {if page.rows.is_empty() {
                                    view! { <p class="empty">"No attempts match — send a message or loosen the filters."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="list" id="log">
                                            <thead><tr><th>"When"</th><th>"Result"</th><th>"Endpoint"</th><th>"Message"</th><th>"Duration"</th></tr></thead>
                                            <tbody>
                                                {page.rows.into_iter().map(|row| view! { <LogLine row app=app_id.clone() /> }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                                <p class="pager">
                                    {prev.map(|href| view! { <a href=href rel="external" id="prev-page">"← Newer"</a> })}
                                    " "
                                    {next.map(|href| view! { <a href=href rel="external" id="next-page">"Older →"</a> })}
                                </p>
                            })
                        }
                        Err(e) if is_missing(&e) => EitherOf3::B(view! { <Missing /> }),
                        Err(e) => EitherOf3::C(view! { <p class="error">{e.to_string()}</p> }),
                    }
                })
            }}
        </Suspense>
    }
}

/// "HTTP 200", or the error of an attempt that got no response.
pub fn result_text(row: &LogRow) -> String {
    match (row.attempt.status_code, &row.attempt.error) {
        (0, Some(error)) => error.clone(),
        (code, _) => format!("HTTP {code}"),
    }
}

#[component]
fn LogLine(row: LogRow, app: String) -> impl IntoView {
    let result = result_text(&row);
    let message = format!("/apps/{app}/messages/{}", row.attempt.message_id);
    view! {
        <tr class=if row.attempt.succeeded { "ok" } else { "failed" }>
            <td>{row.attempt.when.clone()}</td>
            <td>{result}</td>
            <td>{row.url.clone()}</td>
            <td><a href=message rel="external"><code>{row.attempt.message_id.clone()}</code></a></td>
            <td>{format!("{} ms", row.attempt.duration_ms)}</td>
        </tr>
    }
}
