//! One way to run the real binary from tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where scenarios/ lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn scenario(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// Runs `realign ARGS` in `cwd` and returns its output.
pub fn realign_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_realign"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run realign")
}

pub fn realign(args: &[&str]) -> Output {
    realign_in(&root(), args)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Writes a scenario file into `dir` and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write scenario");
    p
}

/// Runs `realign ARGS` and asserts it succeeded, showing its stderr if not.
pub fn realign_ok(args: &[&str]) -> Output {
    let o = realign(args);
    assert!(o.status.success(), "realign {args:?}: {}", stderr(&o));
    o
}
