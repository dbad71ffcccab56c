//! `proofroom-connector`: runs in the studio, pushes the studio library to Proofroom and pulls
//! what clients did into its inbox.
//!
//! Exit codes: 0 everything moved; 1 nothing could be moved (server unreachable, token refused,
//! every item failed); 2 usage or configuration error; 3 some items failed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use proofroom_connector::{DEFAULT_JOBS, Progress, PushOptions, push, state::State, status, sync};

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
    /// Push what changed, then pull what clients did (guests, favorites, yearbook picks) into
    /// the library's inbox/.
    Sync(PushArgs),
    /// Each sync run with what moved and every error.
    Logs(LogsArgs),
    /// The services panel: last sync, what waits on the server, sessions online and expiring.
    Status(PushArgs),
    /// Put a client's sign-in back to their email and last name (signs them out everywhere).
    ResetLogin {
        /// The studio's client id, as in session.toml.
        client: String,
        #[command(flatten)]
        server: PushArgs,
    },
    /// Remove sessions whose gallery has expired, and their files, from the server (the
    /// library is not touched). Lists them and asks first.
    TakeDown {
        /// Every session online whose gallery has expired (the only choice for now).
        #[arg(long, required = true)]
        expired: bool,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        server: PushArgs,
    },
}

#[derive(Args)]
struct LogsArgs {
    /// The studio library folder.
    #[arg(long, value_name = "DIR")]
    library: PathBuf,
    /// Show the last N runs.
    #[arg(long, value_name = "N", default_value_t = 10)]
    last: u32,
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
        Command::Push(args) => match push(args.into()).await {
            Ok(report) => exit(report.exit_code()),
            Err(e) => {
                eprintln!("error: {e}");
                exit(e.exit_code())
            }
        },
        Command::Sync(args) => match sync(args.into()).await {
            Ok(report) => exit(report.exit_code()),
            Err(e) => {
                eprintln!("error: {e}");
                exit(e.exit_code())
            }
        },
        Command::Logs(args) => logs(&args),
        Command::ResetLogin { client, server } => {
            match proofroom_connector::admin::reset_login(server.into(), &client).await {
                Ok(()) => {
                    println!("{client} signs in with their email and last name again");
                    exit(0)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    exit(e.exit_code())
                }
            }
        }
        Command::TakeDown { expired: _, yes, server } => {
            match proofroom_connector::admin::take_down_expired(server.into(), yes).await {
                Ok(report) if !report.errors.is_empty() => {
                    exit(if report.removed.is_empty() { 1 } else { 3 })
                }
                Ok(_) => exit(0),
                Err(e) => {
                    eprintln!("error: {e}");
                    exit(e.exit_code())
                }
            }
        }
        Command::Status(args) => match status(args.into()).await {
            Ok((panel, answered)) => {
                print!("{panel}");
                exit(if answered { 0 } else { 1 })
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit(e.exit_code())
            }
        },
    }
}

impl From<PushArgs> for PushOptions {
    fn from(args: PushArgs) -> Self {
        Self {
            library: args.library,
            server: args.server,
            token: args.token,
            jobs: args.jobs.into(),
            progress: args.progress,
        }
    }
}

fn logs(args: &LogsArgs) -> ExitCode {
    if !args.library.is_dir() {
        eprintln!(
            "error: the studio library {} does not exist or is not a folder",
            args.library.display()
        );
        return exit(2);
    }
    let runs = State::open(&args.library).and_then(|mut s| s.last_runs(args.last.into()));
    let runs = match runs {
        Ok(runs) => runs,
        Err(e) => {
            eprintln!("error: {e}");
            return exit(1);
        }
    };
    if runs.is_empty() {
        println!("no sync has run yet");
    }
    for run in runs.iter().rev() {
        let result = run.result.as_deref().unwrap_or("did not finish (stopped or killed)");
        println!("run {} at {} UTC: {result}", run.id, run.started_at.format("%Y-%m-%d %H:%M:%S"));
        for line in run.summary.lines() {
            println!("  {line}");
        }
        for line in run.errors.lines() {
            println!("  error: {line}");
        }
    }
    exit(0)
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
