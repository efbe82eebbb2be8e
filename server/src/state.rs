//! What every request handler can reach.

use std::sync::Arc;

use crate::{config::Settings, crypto::MainKey, rate_limit::ApiRateLimiter, store::Store};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    /// Encrypts endpoint secrets at rest (used from the REST API issue on).
    pub main_key: MainKey,
    /// `None` when `HOOKRELAY_RATE_LIMIT=0`.
    pub rate_limiter: Option<ApiRateLimiter>,
    /// `None` when `HOOKRELAY_TENANT_MESSAGE_RATE=0`.
    pub tenant_pacer: Option<crate::tenant_pace::TenantPacer>,
    /// Wakes this process's delivery workers when work was queued.
    pub wake: std::sync::Arc<crate::engine::wake::Wake>,
    /// This process's delivery engine, which starts a new message's deliveries the
    /// moment they commit where an endpoint has room (`engine/hand_off.rs`); `None`
    /// in a process that runs no workers.
    pub hand_off: Option<crate::engine::HandOff>,
    /// Counters for `/metrics`, shared with this process's delivery engine.
    pub metrics: Arc<crate::metrics::Metrics>,
}
