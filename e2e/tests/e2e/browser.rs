//! The dashboard in Debian's Chromium, headless, driven through chromedriver.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::support::{Server, free_port};

/// chromedriver on a free port, killed on drop.
pub(crate) struct ChromeDriver {
    port: u16,
    child: Child,
}

impl ChromeDriver {
    pub(crate) fn start() -> Self {
        let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run {binary} ({e}): install chromium-driver (the test command does)")
            });
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { port, child }
    }

    pub(crate) async fn browser(&self, javascript: bool) -> Client {
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let profile = tempfile::tempdir().unwrap().keep();
        let mut caps = serde_json::Map::new();
        let mut prefs = json!({});
        if !javascript {
            prefs = json!({"profile.managed_default_content_settings.javascript": 2});
        }
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": prefs,
            }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("chromedriver session")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

pub(crate) fn screenshot_dir() -> PathBuf {
    // <target>/<profile>/deps/e2e-<hash> → <target>/screenshots
    let exe = std::env::current_exe().unwrap();
    let dir = exe.ancestors().nth(3).unwrap().join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn the_dashboard_hydrates_in_a_real_browser() {
    let server = Server::start(&[]);
    let driver = ChromeDriver::start();
    let browser = driver.browser(true).await;
    browser.goto(&server.url).await.unwrap();

    // Server-rendered first; the button only counts once the wasm bundle hydrated it.
    browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#hydration-state[data-hydrated='true']"))
        .await
        .expect("the page hydrates");
    let button = browser
        .find(Locator::Css("#hydration-probe"))
        .await
        .unwrap();
    button.click().await.unwrap();
    button.click().await.unwrap();
    let count = browser
        .find(Locator::Css("#click-count"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count, "2", "clicks are handled by the hydrated app");

    let png = browser.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("home-1280x800.png"), png).unwrap();
    browser.close().await.unwrap();
}

#[tokio::test]
async fn without_javascript_the_page_is_still_rendered() {
    let server = Server::start(&[]);
    let driver = ChromeDriver::start();
    let browser = driver.browser(false).await;
    browser.goto(&server.url).await.unwrap();
    let heading = browser
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "hookrelay");
    // Nothing ran in the page, so it stays as the server rendered it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let state = browser
        .find(Locator::Css("#hydration-state"))
        .await
        .unwrap()
        .attr("data-hydrated")
        .await
        .unwrap();
    assert_eq!(state.as_deref(), Some("false"));
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_api_docs_page_renders_every_operation() {
    let server = Server::start(&[]);
    let driver = ChromeDriver::start();
    let browser = driver.browser(true).await;
    browser.goto(&format!("{}/docs", server.url)).await.unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("section.op"))
        .await
        .expect("operations are rendered");
    let operations = browser.find_all(Locator::Css("section.op")).await.unwrap();
    assert!(
        operations.len() >= 35,
        "{} operations rendered",
        operations.len()
    );
    let png = browser.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("api-docs-1280x800.png"), png).unwrap();
    browser.close().await.unwrap();
}
