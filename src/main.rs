//! The `realign` binary: parse the command line, run, turn the outcome into an exit status.

fn main() {
    std::process::exit(realign::cli::main());
}
