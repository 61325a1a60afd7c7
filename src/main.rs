//! The `namecard` binary: telemetry, then the CLI.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    namecard::cli::run()
}
