//! `GET /health`.

use serde::{Deserialize, Serialize};

/// The backend's health report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// `ok` when the backend is serving.
    pub status: String,
    /// The backend's version, e.g. `1.0.0`.
    pub version: String,
}

impl HealthResponse {
    /// Whether the backend says it is fine.
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}
