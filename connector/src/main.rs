//! `proofroom-connector`: runs in the studio and pushes the studio library to Proofroom.
//!
//! Exit codes: 0 everything pushed; 1 nothing could be pushed (server unreachable, token
//! refused, every item failed); 2 usage or configuration error; 3 some items failed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use proofroom_connector::{DEFAULT_JOBS, Progress, PushOptions, push};

#[derive(Parser)]
#[command(name = "proofroom-connector", version, about = "Pushes the studio library to Proofroom.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Push the studio profile, price lists and published sessions with their images.
    Push(PushArgs),
}

#[derive(Args)]
struct PushArgs {
    /// The studio library folder (holds connector.toml, studio.toml, sessions/ …).
    #[arg(long, value_name = "DIR")]
    library: PathBuf,
    /// The server's base URL; overrides `server` in connector.toml.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// The studio's API token; overrides PROOFROOM_TOKEN and `token_file`.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// Images uploaded at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_JOBS as u16,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// auto: a progress bar on a terminal, plain lines otherwise.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    progress: Progress,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Push(args) => {
            let options = PushOptions {
                library: args.library,
                server: args.server,
                token: args.token,
                jobs: args.jobs.into(),
                progress: args.progress,
            };
            match push(options).await {
                Ok(report) => exit(report.exit_code()),
                Err(e) => {
                    eprintln!("error: {e}");
                    exit(e.exit_code())
                }
            }
        }
    }
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
