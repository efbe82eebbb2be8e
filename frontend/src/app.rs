//! The document shell and the router.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Style, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

use crate::pages::{
    alerts::AlertsPage, api_keys::ApiKeysPage, apps::AppsPage, delivery_log::DeliveryLogPage,
    endpoint::EndpointPage, endpoints::EndpointsPage, event_types::EventTypesPage, home::HomePage,
    login::LoginPage, message::MessagePage, not_found::NotFound, signup::SignupPage,
};

/// The whole HTML document, rendered on the server around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The dashboard: every page hangs off this router.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // "true" once the wasm app has taken over the page (effects run in the browser
    // only): browser tests wait for it to exercise the hydrated path.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <span id="hydrated" hidden data-hydrated=move || hydrated.get().to_string()></span>
        <Title text="hookrelay" />
        <Style>{STYLE}</Style>
        <Router>
            <main>
                // Async: the server sends each page whole, data included, so it reads
                // and works with JavaScript off.
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage />
                    <Route path=StaticSegment("login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("signup") view=SignupPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("apps") view=AppsPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("apps"), ParamSegment("app")) view=EndpointsPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("apps"), ParamSegment("app"), StaticSegment("log")) view=DeliveryLogPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("apps"), ParamSegment("app"), StaticSegment("messages"), ParamSegment("message"))
                        view=MessagePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("apps"), ParamSegment("app"), StaticSegment("endpoints"), ParamSegment("endpoint"))
                        view=EndpointPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("api-keys") view=ApiKeysPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("alerts") view=AlertsPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("event-types") view=EventTypesPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// One small stylesheet, inline: no extra request, readable at 390 px and 1280 px.
const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1c1e21;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:16px}
.top{display:flex;flex-wrap:wrap;gap:12px;align-items:center;padding:8px 0;border-bottom:1px solid #dde}
.top nav{display:flex;gap:12px;flex-wrap:wrap}
.top .who{margin-left:auto;color:#555;font-size:13px}
a{color:#2451b7}
form{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end;margin:12px 0}
form.inline{display:inline-flex;margin:0}
label{display:flex;flex-direction:column;font-size:13px;gap:4px}
.auth{max-width:420px;margin:40px auto}
.auth form{flex-direction:column;align-items:stretch}
input,textarea,button{font:inherit;padding:6px 10px;border:1px solid #bbc;border-radius:6px}
button{background:#2451b7;color:#fff;border-color:#2451b7;cursor:pointer}
button[disabled]{opacity:.6}
button.danger{background:#fff;color:#b3261e;border-color:#b3261e}
table.list{width:100%;border-collapse:collapse;background:#fff}
table.list th,table.list td{padding:8px;border-bottom:1px solid #eee;text-align:left;vertical-align:middle}
.error{color:#b3261e;margin:4px 0}
.notice{background:#fff8e1;border:1px solid #f0c36d;padding:8px 12px;border-radius:6px;word-break:break-all}
.empty{color:#555;font-style:italic}
.saved{color:#1e7d32}
.enabled{color:#1e7d32}.disabled{color:#b3261e}
tr.failed td:nth-child(2){color:#b3261e}
h1.url{word-break:break-all;font-size:22px}
.hint{font-size:13px;color:#555}
select{font:inherit;padding:6px}
pre{background:#fff;border:1px solid #eee;padding:8px;overflow:auto;max-height:320px;white-space:pre-wrap;word-break:break-all}
pre.response{max-height:120px;margin:0}
.pager{display:flex;gap:16px}
fieldset{border:1px solid #dde;border-radius:6px}
.check{flex-direction:row;align-items:center}
@media (max-width:600px){table.list thead{display:none}table.list td{display:block;border:0}table.list tr{display:block;border-bottom:1px solid #ddd}}
"#;
