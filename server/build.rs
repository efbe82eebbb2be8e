//! Builds the dashboard's browser bundle and embeds it in the `hookrelay` binary.
//!
//! `cargo run -p hookrelay` is all a user needs: this script compiles `frontend` to
//! wasm32 (feature `hydrate`, profile `wasm-release`) with a nested cargo in its own
//! target directory, runs wasm-bindgen (as a library, pinned to the same version as the
//! `wasm-bindgen` crate in Cargo.lock, so no CLI has to be installed), and writes
//! `$OUT_DIR/bundle.rs`, which `server/src/dashboard/assets.rs` includes. File names
//! carry a content hash so browsers may cache them forever.
//!
//! `HOOKRELAY_SKIP_WASM=1` embeds an empty bundle instead: pages still render on the
//! server, they just never hydrate. For quick API-only iterations; never in CI.

use std::{
    env, fs,
    path::{Path, PathBuf},
    process::Command,
};

use sha2::{Digest, Sha256};

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";

fn main() {
    println!("cargo:rerun-if-changed=../frontend/src");
    println!("cargo:rerun-if-changed=../frontend/Cargo.toml");
    println!("cargo:rerun-if-changed=../Cargo.lock");
    println!("cargo:rerun-if-changed=../Cargo.toml");
    println!("cargo:rerun-if-env-changed=HOOKRELAY_SKIP_WASM");
    // Two checkouts sharing a target dir share this script's OUT_DIR (cargo hashes
    // workspace members by relative path), and cargo would keep the other checkout's
    // bundle — whose server-function URLs hash *its* path. Cargo runs from the
    // checkout, so a changed PWD means another checkout: build again.
    println!("cargo:rerun-if-env-changed=PWD");

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let pkg_dir = out_dir.join("pkg");
    let _ = fs::remove_dir_all(&pkg_dir);
    fs::create_dir_all(&pkg_dir).expect("create pkg dir");

    let (name, js, wasm) =
        if env::var_os("HOOKRELAY_SKIP_WASM").is_some_and(|v| !v.is_empty() && v != "0") {
            println!("cargo:warning=HOOKRELAY_SKIP_WASM is set: the dashboard will not hydrate");
            let name = "hookrelay-unbuilt".to_string();
            let js = pkg_dir.join(format!("{name}.js"));
            let wasm = pkg_dir.join(format!("{name}_bg.wasm"));
            fs::write(
                &js,
                "export default async function() {}\nexport function hydrate() {}\n",
            )
            .unwrap();
            fs::write(&wasm, b"").unwrap();
            (name, js, wasm)
        } else {
            let wasm_in = build_frontend(&out_dir);
            bindgen(&wasm_in, &pkg_dir)
        };

    let code = format!(
        "/// Base name of the bundle's files (content-hashed).\n\
         pub const OUTPUT_NAME: &str = {name:?};\n\
         pub const JS: &[u8] = include_bytes!({js:?});\n\
         pub const WASM: &[u8] = include_bytes!({wasm:?});\n"
    );
    fs::write(out_dir.join("bundle.rs"), code).expect("write bundle.rs");
}

/// Makes sure the wasm32 standard library is installed, adding it with rustup when it
/// is not, so `cargo run` works on a machine that has only ever built for the host.
fn ensure_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let installed = sysroot.is_some_and(|root| root.join("lib/rustlib").join(TARGET).exists());
    if !installed {
        println!(
            "cargo:warning=installing the {TARGET} target with rustup (needed for the dashboard)"
        );
        let _ = Command::new("rustup")
            .args(["target", "add", TARGET])
            .status();
    }
}

/// Compiles the `frontend` crate to wasm and returns the path of the `.wasm` file.
fn build_frontend(out_dir: &Path) -> PathBuf {
    ensure_wasm_target();
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    // Canonical: server functions' URLs hash the frontend's CARGO_MANIFEST_DIR, which
    // must read the same here as in the server's own build ("/…/frontend", not
    // "/…/server/../frontend"), or the browser calls URLs the server does not know.
    let frontend_manifest = manifest_dir
        .join("../frontend/Cargo.toml")
        .canonicalize()
        .expect("frontend/Cargo.toml exists");
    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out: share one wasm target
    // directory beside the profiles, so debug, release and clippy builds reuse it —
    // one per checkout: server functions' URLs carry a hash of their source path, so
    // two checkouts sharing a target dir must not share (and overwrite) one bundle.
    let checkout = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        manifest_dir.hash(&mut hasher);
        hasher.finish()
    };
    let target_dir = out_dir
        .ancestors()
        .nth(4)
        .expect("OUT_DIR is inside the target directory")
        .join(format!("frontend-wasm-{checkout:016x}"));
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(&frontend_manifest)
        .args(["--lib", "--target", TARGET, "--profile", PROFILE])
        .args(["--no-default-features", "--features", "hydrate"])
        .arg("--target-dir")
        .arg(&target_dir);
    // What the outer build set for the host must not leak into the wasm build.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("run cargo for the wasm bundle");
    if !status.success() {
        panic!(
            "building the dashboard's wasm bundle failed. Is the target installed? \
             Run `rustup target add {TARGET}` (or set HOOKRELAY_SKIP_WASM=1 to skip it)."
        );
    }
    target_dir.join(TARGET).join(PROFILE).join("frontend.wasm")
}

/// Runs wasm-bindgen for the browser (`--target web`) and names the output after a
/// hash of the wasm, returning (base name, js path, wasm path).
fn bindgen(wasm_in: &Path, pkg_dir: &Path) -> (String, PathBuf, PathBuf) {
    let bytes = fs::read(wasm_in).expect("read frontend.wasm");
    let hash = hex::encode(&Sha256::digest(&bytes)[..8]);
    let name = format!("hookrelay-{hash}");
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(wasm_in)
        .web(true)
        .expect("wasm-bindgen web mode")
        .typescript(false)
        .out_name(&name);
    bindgen.generate(pkg_dir).expect("wasm-bindgen");
    let js = pkg_dir.join(format!("{name}.js"));
    let wasm = pkg_dir.join(format!("{name}_bg.wasm"));
    (name, js, wasm)
}
