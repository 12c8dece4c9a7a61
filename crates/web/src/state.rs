//! What every handler shares: the application (every use case goes through it) and what only
//! the HTTP adapter keeps, its request metrics.

use crate::metrics::Metrics;
use canyu_app::App;
use std::sync::Arc;

/// Cheap to clone: a request clones the state for each middleware layer and its handler.
#[derive(Clone)]
pub struct AppState {
    app: App,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(app: App) -> AppState {
        AppState { app, metrics: Arc::new(Metrics::default()) }
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// The application, to change before serving (tests change its settings).
    pub fn app_mut(&mut self) -> &mut App {
        &mut self.app
    }
}

/// Handlers call use cases with `&state`: it stands for the application.
impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}
