//! Records the compiler's version for the result lines' `host.toolchain`.
use std::process::Command;

fn main() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(&rustc)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("running {rustc:?} --version: {e}"));
    assert!(
        out.status.success(),
        "{rustc:?} --version exited with {}",
        out.status
    );
    let version = String::from_utf8(out.stdout).expect("rustc --version prints UTF-8");
    println!("cargo:rustc-env=POLYCONC_COMPARE_RUSTC={}", version.trim());
    println!("cargo:rerun-if-env-changed=RUSTC");
}
