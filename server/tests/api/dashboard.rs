use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn the_dashboard_is_rendered_on_the_server_with_its_bundle() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let res = app.get("/", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<h1>hookrelay</h1>"),
        "server-rendered content: {html}"
    );

    // The page names a content-hashed JS module and wasm file; both are served.
    let js_path = extract(&html, "rel=\"modulepreload\" href=\"", "\"");
    let wasm_path = extract(&html, "rel=\"preload\" href=\"", "\"");
    assert!(
        js_path.starts_with("/pkg/hookrelay-") && js_path.ends_with(".js"),
        "{js_path}"
    );
    assert!(wasm_path.ends_with("_bg.wasm"), "{wasm_path}");
    let js = app.get(&js_path, None).await;
    assert_eq!(js.status(), StatusCode::OK);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        js.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(js.text().await.unwrap().contains("hydrate"));
    let wasm = app.get(&wasm_path, None).await;
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    let bytes = wasm.bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"\0asm", "a real wasm module");

    assert_eq!(
        app.get("/pkg/hookrelay-stale.js", None).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unknown_pages_are_404_pages() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let res = app.get("/no/such/page", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("Not found"));
}

#[tokio::test]
async fn the_bundle_is_compressed_for_clients_that_accept_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let html = app.get("/", None).await.text().await.unwrap();
    let wasm_path = extract(&html, "rel=\"preload\" href=\"", "\"");
    let res = app
        .client
        .get(app.url(&wasm_path))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
}

fn extract(haystack: &str, after: &str, until: &str) -> String {
    let start = haystack
        .find(after)
        .unwrap_or_else(|| panic!("{after} not in {haystack}"))
        + after.len();
    let len = haystack[start..].find(until).unwrap();
    haystack[start..start + len].to_string()
}

/// The browser bundle calls the server functions at the URLs the server serves them
/// at (they carry a hash of the frontend's path, which both builds must agree on):
/// otherwise every hydrated form silently fails.
#[tokio::test]
async fn the_bundle_calls_the_server_functions_the_server_has() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let html = app.get("/signup", None).await.text().await.unwrap();
    let action = extract(&html, "action=\"", "\"");
    assert!(action.starts_with("/dash/sign_up"), "{action}");
    let wasm_path = extract(&html, "rel=\"preload\" href=\"", "\"");
    let wasm = app.get(&wasm_path, None).await.bytes().await.unwrap();
    assert!(
        wasm.windows(action.len()).any(|w| w == action.as_bytes()),
        "the bundle does not know {action}"
    );
}
