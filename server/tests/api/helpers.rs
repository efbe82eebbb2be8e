//! `TestApp::spawn(Backend)`: builds the application exactly as `main` does, bound to
//! 127.0.0.1:0, with its own data directory and database.

use std::collections::HashMap;

use hookrelay::{
    config::{CliOverrides, Settings},
    startup::Application,
};
use reqwest::{Client, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

/// The PostgreSQL server tests create their databases on.
fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per backend: `both_backends!(name, |app| async move { … });`
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await;
                ($body)(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await;
                ($body)(app).await;
            }
        }
    };
}

pub struct TestApp {
    pub address: String,
    /// The application's own data-access handle, for tests that look under the API.
    pub store: hookrelay::store::Store,
    pub client: Client,
    _data_dir: std::sync::Arc<tempfile::TempDir>,
    pg_database: Option<String>,
    env: HashMap<String, String>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, &[]).await
    }

    /// Spawns with extra environment variables on top of the test defaults.
    pub async fn spawn_with(backend: Backend, extra: &[(&str, &str)]) -> Self {
        hookrelay::engine::install_tls_provider();
        let data_dir = tempfile::tempdir().unwrap();
        let mut env: HashMap<String, String> = HashMap::new();
        env.insert("HOOKRELAY_BIND".into(), "127.0.0.1:0".into());
        env.insert(
            "HOOKRELAY_DATA_DIR".into(),
            data_dir.path().display().to_string(),
        );
        // The delivery engine runs only in the tests that ask for it (role `all`), so
        // API tests see deliveries exactly as accepted.
        env.insert("HOOKRELAY_ROLE".into(), "api".into());
        let pg_database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let name = format!(
                    "hr_test_{}",
                    ulid::Ulid::generate().to_string().to_lowercase()
                );
                let admin = Database::connect(postgres_admin_url())
                    .await
                    .expect("PostgreSQL reachable");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                admin.close().await.ok();
                let mut url = url::Url::parse(&postgres_admin_url()).unwrap();
                url.set_path(&name);
                env.insert("DATABASE_URL".into(), url.to_string());
                env.insert("HOOKRELAY_MAIN_KEY".into(), "42".repeat(32));
                Some(name)
            }
        };
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        Self::start(env, std::sync::Arc::new(data_dir), pg_database).await
    }

    /// A second process on this one's database (and data directory): what several
    /// `hookrelay` processes sharing PostgreSQL look like. The first app owns the
    /// database: drop the second one first.
    pub async fn spawn_sharing(&self, extra: &[(&str, &str)]) -> Self {
        let mut env = self.env.clone();
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        Self::start(env, self._data_dir.clone(), None).await
    }

    async fn start(
        env: HashMap<String, String>,
        data_dir: std::sync::Arc<tempfile::TempDir>,
        pg_database: Option<String>,
    ) -> Self {
        let settings = Settings::load_from(&CliOverrides::default(), |k| env.get(k).cloned())
            .expect("test settings are valid");
        let app = Application::build(settings)
            .await
            .expect("application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let store = app.state().store.clone();
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            store,
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _data_dir: data_dir,
            pg_database,
            env,
        }
    }

    /// `HOOKRELAY_DATA_DIR` of this app.
    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, key: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        req.send().await.unwrap()
    }

    pub async fn put_json(&self, path: &str, key: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.put(self.url(path)).json(body);
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        req.send().await.unwrap()
    }

    pub async fn patch_json(&self, path: &str, key: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.patch(self.url(path)).json(body);
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        req.send().await.unwrap()
    }

    pub async fn delete(&self, path: &str, key: Option<&str>) -> Response {
        let mut req = self.client.delete(self.url(path));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        req.send().await.unwrap()
    }

    /// Signs up a fresh tenant; returns (tenant id, API key).
    pub async fn signup(&self, email: &str) -> (String, String) {
        let res = self
            .post_json(
                "/api/v1/signup",
                None,
                &json!({"organization": "Acme", "email": email, "password": "correct horse battery"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        (
            body["tenantId"].as_str().unwrap().into(),
            body["apiKey"].as_str().unwrap().into(),
        )
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let Some(name) = self.pg_database.take() else {
            return;
        };
        // Drop runs inside the test's runtime: do the async cleanup on a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(admin) = Database::connect(postgres_admin_url()).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// Checks `res` is a 429 `rate_limited` telling the client to wait at least a second.
pub async fn assert_rate_limited(res: Response) {
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let (status, code, _) = error_code(res).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
}

/// Reads an error body and checks its shape: `{"code", "detail"}`.
pub async fn error_code(res: Response) -> (StatusCode, String, Value) {
    let status = res.status();
    let body: Value = res.json().await.expect("error bodies are JSON");
    let code = body["code"].as_str().expect("error has a code").to_string();
    assert!(body["detail"].is_string(), "error has a detail: {body}");
    (status, code, body)
}

/// `field` of every item of a list response's `data`.
pub fn field_of_each(list: &Value, field: &str) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("a list response has data")
        .iter()
        .map(|item| item[field].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Checks the status and returns the JSON body (`Null` when there is none).
pub async fn expect_status(res: Response, status: StatusCode) -> Value {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

/// A 422 `validation_error` naming `field`; returns the body.
pub async fn assert_invalid(res: Response, field: &str) -> Value {
    let (status, code, body) = error_code(res).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_error"),
        "{body}"
    );
    assert_eq!(body["field"], field, "{body}");
    body
}

/// A 404 `not_found`.
pub async fn assert_not_found(res: Response) {
    let (status, code, body) = error_code(res).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found"),
        "{body}"
    );
}

/// The `id` of a created object.
pub fn id_of(body: &Value) -> String {
    body["id"].as_str().expect("an id").to_string()
}

/// The one number `sql` selects as `n` (`SELECT COUNT(*) AS n …`), read on `db`.
pub async fn count_n(db: &sea_orm::DatabaseConnection, sql: impl Into<String>) -> i64 {
    db.query_one_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        sql,
    ))
    .await
    .unwrap()
    .expect("a row")
    .try_get::<i64>("", "n")
    .unwrap()
}
