//! Builds the whole application from settings: database, HTTP server, dashboard.
//! Tests call [`Application::build`] with `bind = 127.0.0.1:0` and talk to the port
//! it reports, exactly as a user talks to the binary.

use std::{net::TcpListener, sync::Arc};

use actix_web::{
    App, HttpServer,
    dev::Server,
    middleware::{Compress, from_fn},
    web,
};
use tracing_actix_web::TracingLogger;

use crate::cache::Cache;
use crate::{
    config::Settings,
    crypto::MainKey,
    dashboard,
    error::{path_error, query_error},
    rate_limit::ApiRateLimiter,
    routes,
    state::AppState,
    store::{Store, connect_and_migrate},
    tenant_pace::TenantPacer,
};

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    engine: Option<crate::engine::EngineHandle>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "HOOKRELAY_DATA_DIR: cannot create {}: {e}",
                settings.data_dir.display()
            )
        })?;
        let main_key = match &settings.main_key {
            Some(key) => key.clone(),
            None => MainKey::load_or_generate(&settings.data_dir)
                .map_err(|e| anyhow::anyhow!("HOOKRELAY_MAIN_KEY: {e}"))?,
        };
        let db = connect_and_migrate(&settings).await?;
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let cache = match &settings.redis_url {
            Some(url) => {
                use secrecy::ExposeSecret;
                Cache::redis(url.expose_secret(), metrics.clone())
                    .map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?
            }
            None => Cache::local(metrics.clone()),
        };
        let rate_limiter = settings
            .rate_limit
            .map(|rate| ApiRateLimiter::new(rate, cache.redis_connection()));
        let tenant_pacer = settings
            .tenant_message_rate
            .map(|rate| TenantPacer::new(rate, cache.redis_connection()));
        let store = Store::with_cache(db, cache);
        let settings = Arc::new(settings);
        let wake = Arc::new(crate::engine::wake::Wake::default());
        let engine = settings.role.runs_workers().then(|| {
            crate::engine::Engine::new(
                store.clone(),
                settings.clone(),
                main_key.clone(),
                wake.clone(),
                metrics.clone(),
            )
        });
        let state = AppState {
            store,
            settings,
            main_key,
            rate_limiter,
            tenant_pacer,
            wake,
            hand_off: engine.as_ref().map(|e| e.hand_off()),
            metrics,
        };

        let listener = TcpListener::bind(state.settings.bind).map_err(|e| {
            anyhow::anyhow!(
                "HOOKRELAY_BIND: cannot listen on {}: {e}",
                state.settings.bind
            )
        })?;
        let address = listener.local_addr()?;
        let engine = engine.map(|e| e.spawn());
        if state.settings.role.runs_workers() {
            crate::alerts::Alerter::new(state.store.clone(), state.settings.clone())?.spawn();
        }
        let server = http_server(state.clone(), listener)?;
        tracing::info!(
            role = ?state.settings.role,
            database = ?state.settings.database_kind,
            "hookrelay listening on http://{address}"
        );
        Ok(Self {
            port: address.port(),
            server,
            state,
            engine,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT/SIGTERM (actix finishes in-flight requests first).
    /// Serves until SIGINT/SIGTERM: actix stops accepting and finishes the requests in
    /// flight, then the delivery engine stops claiming and finishes its attempts
    /// (bounded by the attempt timeout).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Some(engine) = self.engine {
            engine
                .shutdown(self.state.settings.attempt_timeout + std::time::Duration::from_secs(2))
                .await;
        }
        result
    }
}

fn http_server(state: AppState, listener: TcpListener) -> anyhow::Result<Server> {
    let max_body = state.settings.max_body;
    let serves_api = state.settings.role.serves_http_api();
    let leptos_options = dashboard::leptos_options();
    let dashboard_backend: frontend::backend::SharedBackend =
        Arc::new(dashboard::backend::DashboardBackend::new(&state));
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        let app = App::new()
            .wrap(Compress::default())
            .wrap(from_fn(crate::telemetry::request_id_header))
            .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
            .app_data(state.clone())
            .app_data(web::PayloadConfig::default().limit(max_body))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .configure(routes::health::routes)
            .service(routes::metrics::metrics);
        if serves_api {
            app.configure(routes::api)
                .route("/docs", web::get().to(crate::docs::docs_page))
                .configure(dashboard::configure(
                    leptos_options.clone(),
                    dashboard_backend.clone(),
                ))
                .default_service(dashboard::not_found_page(leptos_options.clone()))
        } else {
            // A worker-only process answers health checks and nothing else.
            app.configure(|_| {})
                .default_service(web::to(routes::fallback::not_served))
        }
    })
    // Streamed (server-rendered) pages are written in several segments: with Nagle's
    // algorithm on, each would wait for the client's delayed ACK (~40 ms a page).
    .tcp_nodelay(true)
    .listen(listener)?
    .run();
    Ok(server)
}
