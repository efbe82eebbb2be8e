//! Black-box tests of the built `hookrelay` binary: started as a user starts it, talked
//! to over real HTTP, and its dashboard driven in a real (headless) Chromium.

mod support;

mod binary;
mod browser;
mod crash;
mod dashboard_flow;
mod python_clients;
mod redis_cache;
mod redis_rate_limit;
mod redis_server;
mod shutdown;
mod signatures;
mod two_processes;
