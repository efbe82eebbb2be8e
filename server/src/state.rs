//! What every request handler can reach.

use std::sync::Arc;

use crate::{config::Settings, crypto::MainKey, store::Store};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    /// Encrypts endpoint secrets at rest (used from the REST API issue on).
    pub main_key: MainKey,
}
