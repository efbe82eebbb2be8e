//! The dashboard as a person uses it, in Debian's Chromium: sign up, applications,
//! API keys (shown once, revoked), alert settings, log out and in — with JavaScript
//! (hydrated, no reloads) and without (plain form posts), screenshots of every page at
//! a laptop and a phone size under `<target>/screenshots/`.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::browser::{ChromeDriver, screenshot_dir};
use crate::support::Server;

const PASSWORD: &str = "correct horse battery";

struct Page<'a> {
    browser: &'a Client,
    base: &'a str,
    label: &'static str,
    javascript: bool,
}

impl Page<'_> {
    /// Opens a page; with JavaScript, waits until the app has hydrated it, so what
    /// follows runs through the hydrated forms rather than plain posts.
    async fn open(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
        if self.javascript {
            self.wait("#hydrated[data-hydrated='true']").await;
        }
    }

    async fn fill(&self, css: &str, text: &str) {
        let field = self.wait(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.wait(css).await.click().await.unwrap();
    }

    async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .browser
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(_) => panic!(
                "[{}] no {css} on {}:\n{}",
                self.label,
                self.path().await,
                self.text().await
            ),
        }
    }

    /// Waits until the page's text contains `text`.
    async fn wait_text(&self, text: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let body = self.text().await;
            if body.contains(text) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "[{}] {text:?} never shown; page says:\n{body}",
                self.label
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn text(&self) -> String {
        match self.browser.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    async fn path(&self) -> String {
        self.browser.current_url().await.unwrap().path().to_string()
    }

    /// Screenshots at 1280×800 and 390×844.
    async fn shoot(&self, name: &str) {
        for (w, h) in [(1280u32, 800u32), (390, 844)] {
            self.browser.set_window_size(w, h).await.unwrap();
            let png = self.browser.screenshot().await.unwrap();
            std::fs::write(
                screenshot_dir().join(format!("{name}-{}-{w}x{h}.png", self.label)),
                png,
            )
            .unwrap();
        }
        self.browser.set_window_size(1280, 800).await.unwrap();
    }
}

async fn flow(javascript: bool) {
    let server = Server::start(&[("HOOKRELAY_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8")]);
    let (receiver, received) = crate::crash::recording_receiver();
    let driver = ChromeDriver::start();
    let browser = driver.browser(javascript).await;
    let label = if javascript { "js" } else { "nojs" };
    let page = Page {
        browser: &browser,
        base: &server.url,
        label,
        javascript,
    };
    let email = format!("owner-{label}@example.com");

    // Sign up: lands on the (empty) applications page, signed in.
    page.open("/signup").await;
    page.shoot("signup").await;
    page.fill("input[name=organization]", "Acme").await;
    page.fill("input[name=email]", &email).await;
    page.fill("input[name=password]", PASSWORD).await;
    page.click("#sign-up").await;
    page.wait_text("No applications yet").await;
    assert_eq!(page.path().await, "/apps");
    page.shoot("apps-empty").await;

    // Applications: create, rename.
    page.fill("#new-app-name", "Acme Shop").await;
    page.click("#create-app").await;
    page.wait_text("Acme Shop").await;
    page.shoot("apps").await;
    let rename = page.wait("#apps input[name=name]").await;
    rename.clear().await.unwrap();
    rename.send_keys("Acme Store").await.unwrap();
    page.click("#apps button[type=submit]").await;
    page.wait_text("Acme Store").await;
    assert_eq!(page.path().await, "/apps");

    // Endpoints: register one at a real receiver, see it listed, open its page.
    page.click("#apps a.name").await;
    page.wait_text("No endpoints yet").await;
    // Valid for the browser, refused by the server (only http and https).
    page.fill("#endpoint-url", "ftp://example.com/hook").await;
    page.click("#add-endpoint").await;
    page.wait("p.error[data-field=url]").await;
    page.fill("#endpoint-url", &receiver).await;
    page.click("#add-endpoint").await;
    page.wait("#endpoints").await;
    page.shoot("endpoints").await;
    page.click("#endpoints a").await;
    page.wait("#send-test").await;
    page.wait_text("No attempts yet").await;

    // A test event arrives at the receiver and its attempt shows on the page.
    page.click("#send-test").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while received.lock().unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the test event never arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let endpoint_page = page.browser.current_url().await.unwrap().to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        page.browser.goto(&endpoint_page).await.unwrap();
        if page.text().await.contains("HTTP 200") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the attempt never showed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Edit: a new filter is saved and shown.
    page.fill("#edit-types", "invoice.paid, user.created").await;
    page.click("#save-endpoint").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        page.browser.goto(&endpoint_page).await.unwrap();
        let types = page
            .wait("#edit-types")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        if types == "invoice.paid, user.created" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the edit never saved: {types}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The 24 h chart counts the attempt.
    let chart = page.wait("#delivery-chart").await;
    let label = chart.attr("aria-label").await.unwrap().unwrap_or_default();
    assert!(label.ends_with("1 in all"), "{label}");

    // The secret: masked, revealed on demand; rotating changes it.
    let masked = page.wait("#secret").await.text().await.unwrap();
    assert!(masked.ends_with('…') && masked.len() < 20, "{masked}");
    page.click("#reveal-secret").await;
    page.wait("#copy-secret").await;
    let secret = page.wait("#secret").await.text().await.unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 30,
        "{secret}"
    );
    page.shoot("endpoint").await;
    page.click("#rotate-secret").await;
    if javascript {
        page.browser.accept_alert().await.unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        page.browser
            .goto(&format!("{endpoint_page}?reveal=1"))
            .await
            .unwrap();
        let now = page.wait("#secret").await.text().await.unwrap();
        if now != secret && now.starts_with("whsec_") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the secret never changed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The delivery log lists the attempt; its message page shows the payload, and
    // resending makes a second attempt.
    let app_path = endpoint_page
        .split("/endpoints/")
        .next()
        .unwrap()
        .to_string();
    page.browser.goto(&format!("{app_path}/log")).await.unwrap();
    page.wait("#log tr.ok").await;
    page.browser
        .goto(&format!("{app_path}/log?status=failed"))
        .await
        .unwrap();
    page.wait_text("No attempts match").await;
    page.browser.goto(&format!("{app_path}/log")).await.unwrap();
    page.shoot("delivery-log").await;
    page.click("#log a").await;
    page.wait("#payload").await;
    page.wait_text("test.event").await;
    page.click("button.resend").await;
    let message_page = page.browser.current_url().await.unwrap().to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        page.browser.goto(&message_page).await.unwrap();
        let rows = page
            .browser
            .find_all(Locator::Css("#message-attempts tbody tr"))
            .await
            .unwrap()
            .len();
        if rows >= 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the resend never made an attempt"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    page.shoot("message").await;

    // API keys: created and shown once; it works; revoked, it does not.
    page.open("/api-keys").await;
    page.fill("#new-key-name", "ci").await;
    page.click("#create-key").await;
    let key = page.wait("#new-key-value").await.text().await.unwrap();
    assert!(key.starts_with("hr_"), "{key}");
    page.shoot("api-keys").await;
    let client = reqwest::Client::new();
    let apps = client
        .get(format!("{}/api/v1/app", server.url))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(apps.status(), 200, "the new key works");
    let listed: serde_json::Value = apps.json().await.unwrap();
    assert_eq!(
        listed["data"][0]["name"], "Acme Store",
        "the same tenant's data"
    );
    page.open("/api-keys").await;
    page.wait("#api-keys").await;
    assert!(
        page.browser
            .find(Locator::Css("#new-key-value"))
            .await
            .is_err(),
        "the key is shown once"
    );
    let row = page
        .wait("#api-keys tbody tr:first-child button.danger")
        .await;
    row.click().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = client
            .get(format!("{}/api/v1/app", server.url))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status();
        if status == 401 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the key was never revoked"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Alert settings: a bad address is refused next to its field; good ones are kept.
    page.open("/alerts").await;
    page.fill("#recipients", "not-an-address").await;
    page.click("#save-alerts").await;
    page.wait("p.error[data-field=recipients]").await;
    page.fill("#recipients", "ops@example.com\ndev@example.com")
        .await;
    page.fill("#throttle", "30").await;
    page.click("#endpoint_recovered").await;
    page.click("#save-alerts").await;
    page.wait(".saved").await;
    page.open("/alerts").await;
    let recipients = page
        .wait("#recipients")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(recipients, "ops@example.com\ndev@example.com");
    let throttle = page
        .wait("#throttle")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(throttle, "30");
    let recovered = page
        .wait("#endpoint_recovered")
        .await
        .prop("checked")
        .await
        .unwrap();
    assert_eq!(recovered.as_deref(), Some("false"), "unchecked kind saved");
    page.shoot("alerts").await;

    // Event types: created, then archived.
    page.open("/event-types").await;
    page.wait_text("No event types yet").await;
    page.fill("#event-type-name", "invoice.paid").await;
    page.click("#create-event-type").await;
    page.wait("#event-types td.active").await;
    page.click("#event-types button").await;
    page.wait("#event-types td.archived").await;
    page.shoot("event-types").await;

    // Log out: the pages want a session again.
    page.click("#log-out").await;
    page.wait("#log-in").await;
    page.open("/apps").await;
    page.wait("#log-in").await;
    assert_eq!(page.path().await, "/login");
    page.shoot("login").await;

    // Log in: a wrong password is refused with a message, the right one gets in.
    page.fill("input[name=email]", &email).await;
    page.fill("input[name=password]", "wrong password!").await;
    page.click("#log-in").await;
    page.wait_text("Wrong email or password").await;
    page.fill("input[name=email]", &email).await;
    page.fill("input[name=password]", PASSWORD).await;
    page.click("#log-in").await;
    page.wait_text("Acme Store").await;
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_dashboard_flow_with_javascript() {
    flow(true).await;
}

#[tokio::test]
async fn the_dashboard_flow_without_javascript() {
    flow(false).await;
}
