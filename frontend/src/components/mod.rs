//! Pieces every page uses.

pub mod authed;
pub mod chart;
pub mod field_error;
pub mod missing;
pub mod submit;
