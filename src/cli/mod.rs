//! The command line: one file per command, each calling the same library functions as the server.

pub mod decode;

/// Runs the CLI and returns the process exit code.
pub fn run() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
