//! Pieces every page uses.

pub mod authed;
pub mod field_error;
pub mod missing;
