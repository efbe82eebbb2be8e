//! The dashboard's server functions as an attacker would call them: without the CSRF
//! token, from another site, as another tenant, guessing passwords.

use reqwest::{StatusCode, header};

use crate::helpers::{Backend, TestApp};

/// A browser-like session: its cookie and the CSRF token its pages carry.
pub(crate) struct Visitor {
    pub cookie: String,
    pub csrf: String,
}

/// `action="…"` of the form posting to the server function `name`.
pub(crate) async fn action_of(
    app: &TestApp,
    page: &str,
    cookie: Option<&str>,
    name: &str,
) -> String {
    let mut req = app.client.get(app.url(page));
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    let html = req.send().await.unwrap().text().await.unwrap();
    let marker = format!("action=\"/dash/{name}");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} form on {page}"))
        + 8;
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    origin: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let body: String = form
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let mut req = app
        .client
        .post(app.url(path))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::ORIGIN, origin)
        .header(header::REFERER, app.url("/apps"))
        .body(body);
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    req.send().await.unwrap()
}

fn origin(app: &TestApp) -> String {
    app.address.clone()
}

async fn sign_up(app: &TestApp, email: &str) -> Visitor {
    let action = action_of(app, "/signup", None, "sign_up").await;
    let res = post(
        app,
        &action,
        None,
        &origin(app),
        &[
            ("organization", "Org"),
            ("email", email),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = app
        .client
        .get(app.url("/apps"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    let csrf = html[start..start + html[start..].find('"').unwrap()].to_string();
    Visitor { cookie, csrf }
}

/// The apps page as the visitor sees it.
async fn apps_page(app: &TestApp, visitor: &Visitor) -> String {
    app.client
        .get(app.url("/apps"))
        .header(header::COOKIE, &visitor.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn forms_need_the_session_token_and_the_same_site_and_stay_in_their_tenant() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let alice = sign_up(&app, "alice@example.com").await;
    let mallory = sign_up(&app, "mallory@example.com").await;
    let create = action_of(&app, "/apps", Some(&alice.cookie), "create_app").await;
    let me = origin(&app);

    // No token, a wrong one, or another site: nothing is created.
    post(
        &app,
        &create,
        Some(&alice.cookie),
        &me,
        &[("csrf", ""), ("name", "no token")],
    )
    .await;
    post(
        &app,
        &create,
        Some(&alice.cookie),
        &me,
        &[("csrf", &mallory.csrf), ("name", "their token")],
    )
    .await;
    post(
        &app,
        &create,
        Some(&alice.cookie),
        "https://evil.example",
        &[("csrf", &alice.csrf), ("name", "cross site")],
    )
    .await;
    let page = apps_page(&app, &alice).await;
    assert!(
        page.contains("No applications yet"),
        "nothing was created: {page}"
    );

    // The real thing works.
    post(
        &app,
        &create,
        Some(&alice.cookie),
        &me,
        &[("csrf", &alice.csrf), ("name", "Alice Shop")],
    )
    .await;
    let page = apps_page(&app, &alice).await;
    assert!(page.contains("Alice Shop"));
    let start = page.find("data-app=\"").unwrap() + 10;
    let app_id = page[start..start + page[start..].find('"').unwrap()].to_string();

    // Another tenant cannot see, rename or delete it, even knowing its id.
    assert!(!apps_page(&app, &mallory).await.contains("Alice Shop"));
    let delete = action_of(&app, "/apps", Some(&alice.cookie), "delete_app").await;
    let rename = action_of(&app, "/apps", Some(&alice.cookie), "rename_app").await;
    post(
        &app,
        &delete,
        Some(&mallory.cookie),
        &me,
        &[("csrf", &mallory.csrf), ("id", &app_id)],
    )
    .await;
    post(
        &app,
        &rename,
        Some(&mallory.cookie),
        &me,
        &[("csrf", &mallory.csrf), ("id", &app_id), ("name", "owned")],
    )
    .await;
    let page = apps_page(&app, &alice).await;
    assert!(
        page.contains("Alice Shop") && !page.contains("owned"),
        "{page}"
    );

    // Another tenant's application page is a 404, like one that does not exist.
    for (who, status) in [(&alice, StatusCode::OK), (&mallory, StatusCode::NOT_FOUND)] {
        let res = app
            .client
            .get(app.url(&format!("/apps/{app_id}")))
            .header(header::COOKIE, &who.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status);
    }
    let res = app
        .client
        .get(app.url(&format!(
            "/apps/{app_id}/endpoints/ep_01M874MJ1W0KWPQTDEVXQ02Z4T"
        )))
        .header(header::COOKIE, &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "an unknown endpoint");

    // Signed out: the pages send you to log in.
    let res = app.client.get(app.url("/apps")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], "/login");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_and_logins_are_rate_limited() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let action = action_of(&app, "/signup", None, "sign_up").await;
    let res = post(
        &app,
        &action,
        None,
        &origin(&app),
        &[
            ("organization", "Org"),
            ("email", "cookie@example.com"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    let set_cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    assert!(!set_cookie.contains("Secure"), "not over plain http");

    let login = action_of(&app, "/login", None, "log_in").await;
    let attempt = |password: &'static str| {
        let (app, login) = (&app, login.clone());
        async move {
            let res = post(
                app,
                &login,
                None,
                &origin(app),
                &[("email", "cookie@example.com"), ("password", password)],
            )
            .await;
            let to = res.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_string();
            let sets_cookie = res.headers().get(header::SET_COOKIE).is_some();
            (to, sets_cookie)
        }
    };
    for _ in 0..5 {
        let (to, signed_in) = attempt("wrong password!").await;
        assert!(!signed_in && to.contains("__err"), "refused: {to}");
    }
    // The sixth attempt in a minute is refused even with the right password.
    let (to, signed_in) = attempt("correct horse battery").await;
    assert!(!signed_in, "rate-limited: {to}");
    let message: String = url::form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert!(message.contains("__err"), "{message}");
}
