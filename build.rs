//! Records the git revision the binary was built from, for run manifests and `realign --version` ("unknown"
//! outside a checkout or without git).
use std::process::Command;

/// `git ARGS` trimmed, if git ran and succeeded.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
}

fn main() {
    let rev = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    let rev = format!("{rev}{}", if dirty { "-dirty" } else { "" });
    println!("cargo:rustc-env=REALIGN_GIT_REV={rev}");
    // `realign --version`: "0.1.0 (git 1a2b3c4d5e6f)".
    println!(
        "cargo:rustc-env=REALIGN_VERSION={} (git {rev})",
        env!("CARGO_PKG_VERSION")
    );
    // Rebuild when HEAD moves (checkout), when the branch it names moves (commit), or the index changes (dirty
    // state). git names the files, so this works in a worktree, where .git is a file and refs live elsewhere.
    let mut watched = vec![".git/HEAD".to_string(), ".git/index".to_string()];
    let mut paths = vec![
        "HEAD".to_string(),
        "index".to_string(),
        "packed-refs".to_string(),
    ];
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        paths.push(reference);
    }
    for p in paths {
        if let Some(file) = git(&["rev-parse", "--git-path", &p]) {
            watched.push(file);
        }
    }
    // An edit to the sources makes the build dirty without touching the index: look at them too (a directory is
    // watched recursively); they are compiled again then anyway.
    for own in ["build.rs", "Cargo.toml", "src"] {
        println!("cargo:rerun-if-changed={own}");
    }
    watched.sort();
    watched.dedup();
    for file in watched {
        // A file that does not exist (no packed-refs yet) would rerun this script on every build.
        if std::path::Path::new(&file).exists() {
            println!("cargo:rerun-if-changed={file}");
        }
    }
}
