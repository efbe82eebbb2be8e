//! `hookrelay [--role api|worker|all] [--config hookrelay.toml]`

use std::{path::PathBuf, process::ExitCode};

use hookrelay::{
    config::{CliOverrides, Settings},
    startup::Application,
};

/// mimalloc, not glibc's malloc: under ingest, glibc's malloc and free were a quarter
/// of this process's CPU (`perf`, BENCHMARKS.md "The allocator"). Only the binary
/// sets it; tests run the library on the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How often freed memory is handed back to the system. mimalloc keeps memory freed
/// for its purge delay (1 s) and returns it only when a later allocation of some
/// thread happens to look: an idle process kept a sign-in's password hash buffer
/// (Argon2, 19 MiB) resident (RSS 32 -> 52 MiB; target 40). Returning it at once
/// instead (purge delay 0) faulted each freed page back in on the next allocation:
/// 4 % more of the process's CPU a fan-out delivery (BENCHMARKS.md, "Freed memory
/// returned each second").
const RETURN_FREED_MEMORY_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Looks every [`RETURN_FREED_MEMORY_EVERY`] for memory freed longer than the purge
/// delay ago and returns it. The purge is process-wide: whatever is back in an arena
/// (a large block such as the Argon2 buffer goes back when freed, whichever thread
/// frees it) is returned, not only this thread's; empty pages another thread still
/// holds wait for that thread. On the runtime: its worker threads have a mimalloc heap.
fn spawn_freed_memory_return(runtime: &tokio::runtime::Runtime) {
    runtime.spawn(async {
        let mut every = tokio::time::interval(RETURN_FREED_MEMORY_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            // SAFETY: no arguments but a flag; mimalloc's collect is thread safe.
            unsafe { libmimalloc_sys::mi_collect(false) };
        }
    });
}

/// sysexits' EX_CONFIG: start-up refused because of the configuration.
const EXIT_CONFIG: u8 = 78;

const USAGE: &str = "usage: hookrelay [--role api|worker|all] [--config <file.toml>]\n\
configuration: built-in defaults < hookrelay.toml < environment (HOOKRELAY_*, DATABASE_URL, REDIS_URL, SMTP_URL); see README.md";

fn parse_args() -> Result<CliOverrides, String> {
    let mut overrides = CliOverrides::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--role" => overrides.role = Some(value()?),
            "--config" => overrides.config_file = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(String::new()),
            "-V" | "--version" => {
                println!("hookrelay {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(overrides)
}

fn main() -> ExitCode {
    let overrides = match parse_args() {
        Ok(overrides) => overrides,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("hookrelay: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let settings = match Settings::load(&overrides) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("hookrelay: configuration error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let _log_guard = hookrelay::telemetry::init();
    raise_open_files_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    spawn_freed_memory_return(&runtime);
    let result = runtime.block_on(async {
        let app = Application::build(settings).await?;
        app.run_until_stopped().await?;
        anyhow::Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("hookrelay: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Raises the soft limit on open files to the hard limit, as Go programs do at start.
/// The engine may hold a connection for each of its attempts in flight and keeps up to
/// as many idle ones per host, for every host it delivers to; a soft limit of 1,024
/// (systemd's and recent Docker's default) would fail attempts with "too many open
/// files" once deliveries spread over a few hosts.
#[cfg(unix)]
fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the one struct we pass.
    let raised = unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0
            && limit.rlim_cur < limit.rlim_max
            && {
                let wanted = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) == 0
            }
    };
    if raised {
        tracing::info!(
            from = limit.rlim_cur,
            to = limit.rlim_max,
            "raised the open files limit"
        );
    }
}

#[cfg(not(unix))]
fn raise_open_files_limit() {}
