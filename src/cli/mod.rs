//! The command line: one file per command, each calling the same library functions as the server.

pub mod serve;

use clap::Parser as _;

#[derive(clap::Parser)]
#[command(name = "namecard", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve(serve::ServeArgs),
}

/// Runs the CLI and returns the process exit code.
pub fn run() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Serve(args) => serve::run(args),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        std::process::ExitCode::FAILURE
    })
}
