//! Logging: `tracing` to stdout through a background writer (a slow terminal or pipe
//! never holds up a response), one line per finished request with its request id.
//! `RUST_LOG` overrides the default filter; `HOOKRELAY_LOG_FORMAT=json` switches to
//! JSON lines.
//!
//! **Secrets never reach a log**: API keys, passwords and signing secrets live in
//! redacting types (`secrecy`, `ApiKeyToken`), and request spans record the path, not
//! headers or bodies.

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{EnvFilter, fmt::format::FmtSpan};

const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,actix_server=warn";

/// Installs the global subscriber. Keep the guard alive: dropping it flushes the log.
pub fn init() -> WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking(std::io::stdout());
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_target(false);
    if std::env::var("HOOKRELAY_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().init();
    } else {
        builder.init();
    }
    guard
}

/// The span each request is logged under (its line is written when it closes): the
/// method, the path, the client, the request id and, at the end, the status — and, for
/// an error, its message. tracing-actix-web's default span carries thirteen fields,
/// the OpenTelemetry set (route and target, flavor, scheme, host, user agent,
/// `otel.name`, `otel.kind`, …); formatting those was about a tenth of the process's
/// CPU under ingest (`perf`, BENCHMARKS.md "The request log line").
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let target = request.uri().path_and_query().map_or("", |p| p.as_str());
        let span = tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.target = %target,
            http.client_ip = %request.connection_info().realip_remote_addr().unwrap_or(""),
            request_id = tracing::field::Empty,
            http.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        );
        // `TracingLogger` gives the request its id before it asks for the span.
        if let Some(id) = request.extensions().get::<RequestId>() {
            span.record("request_id", tracing::field::display(id));
        }
        span
    }

    /// The default's: the status, and an error's message and details (fields this span
    /// does not have, such as `otel.status_code`, are not recorded).
    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Echoes the request id that `TracingLogger` gave this request as `x-request-id`, so
/// a user can quote it and an operator can find the request's log line.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}
