//! `proofroom-connector`: runs in the studio, pushes the studio library to Proofroom and pulls
//! what clients did into its inbox.
//!
//! Exit codes: 0 everything moved; 1 nothing could be moved (server unreachable, token refused,
//! every item failed); 2 usage or configuration error; 3 some items failed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use proofroom_connector::admin::{self, ExpiryRequest, TakeDownWhich};
use proofroom_connector::{
    DEFAULT_JOBS, Progress, PushOptions, SyncItem, SyncPlan, daemon, push, state::State, status,
    sync,
};
use proofroom_wire::orders::OrderStatus;

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
    /// Push what changed, then pull what clients did (orders, guests, favorites, yearbook picks)
    /// into the library's inbox/.
    Sync(SyncArgs),
    /// The daemon: a full sync every `interval_minutes` of connector.toml (default 15) until
    /// SIGTERM or Ctrl-C.
    Run(PushArgs),
    /// Each user's calendar and address book (connector.toml [[users]]): sessions and
    /// appointments out, what was booked on the phone back into inbox/.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Each sync run with what moved and every error.
    Logs(LogsArgs),
    /// The services panel: last sync, what waits on the server, sessions online and expiring.
    Status(ServerArgs),
    /// Put a client's sign-in back to their email and last name (signs them out everywhere).
    ResetLogin {
        /// The studio's client id, as in session.toml.
        client: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Move a session's expiry date later: by a number of days, or to a date.
    Extend {
        /// The session's folder name.
        session: String,
        /// Days more, from the expiry date (from today when it has expired).
        #[arg(long, value_name = "N", required_unless_present = "until", conflicts_with = "until",
              value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
        /// The last day the gallery is online (YYYY-MM-DD, the studio's calendar).
        #[arg(long, value_name = "DATE")]
        until: Option<chrono::NaiveDate>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Close a session's gallery now, as if it had expired yesterday (`take-down` removes it).
    Expire {
        /// The session's folder name.
        session: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Move an order along; the client sees the new status and is emailed.
    OrderStatus {
        /// The order's confirmation number (e.g. K7MX-Q2RD).
        number: String,
        /// received, in-production, ready-for-pickup or shipped.
        #[arg(value_parser = parse_order_status)]
        status: OrderStatus,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Mark an order to be paid at the studio as paid; the client is emailed, and can download
    /// the order's files, if it has any.
    OrderPaid {
        /// The order's confirmation number (e.g. K7MX-Q2RD).
        number: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Tell whether a signed contract PDF is the very one the server holds (by its SHA-256),
    /// and whether that contract's document and audit trail still verify. Exit 0: genuine;
    /// 4: not a PDF the server made, or its record no longer verifies.
    VerifyContract {
        /// The PDF to check (e.g. inbox/contracts/2026-0412/agreement-signed.pdf, or a copy
        /// someone sent).
        file: PathBuf,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Remove sessions and their files from the server (the library is not touched): every
    /// expired one, or the ones named. Lists them and asks first.
    TakeDown {
        /// Every session online whose gallery has expired.
        #[arg(long, required_unless_present = "sessions", conflicts_with = "sessions")]
        expired: bool,
        /// Sessions to remove, by folder name.
        #[arg(value_name = "SESSION")]
        sessions: Vec<String>,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Sync now: every user, or only --user.
    Sync {
        /// The studio library folder.
        #[arg(long, value_name = "DIR")]
        library: PathBuf,
        /// Only this user (an id of connector.toml [[users]]).
        #[arg(long, value_name = "USER")]
        user: Option<String>,
    },
    /// Sign an OAuth2 user (Google) in once: prints the account's sign-in address to open in a
    /// browser on this computer, or with --device, a code to enter on a phone or another one.
    Authorize {
        /// The user's id in connector.toml [[users]].
        user: String,
        /// The studio library folder.
        #[arg(long, value_name = "DIR")]
        library: PathBuf,
        /// Enter a code on another device instead of a browser here.
        #[arg(long)]
        device: bool,
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
struct ServerArgs {
    /// The studio library folder (holds connector.toml, studio.toml, sessions/ …).
    #[arg(long, value_name = "DIR")]
    library: PathBuf,
    /// The server's base URL; overrides `server` in connector.toml.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// The studio's API token; overrides PROOFROOM_TOKEN and `token_file`.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
}

#[derive(Args)]
struct PushArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Images uploaded at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_JOBS as u16,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// auto: a progress bar on a terminal, plain lines otherwise.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    progress: Progress,
}

#[derive(Args)]
struct SyncArgs {
    #[command(flatten)]
    push: PushArgs,
    /// Only these, comma-separated: settings, price-lists, sessions, prepaid, contracts,
    /// albums, videos, orders, guests, favorites, yearbook, signatures, album-feedback, expired,
    /// calendar.
    #[arg(long, value_name = "ITEMS", value_enum, value_delimiter = ',')]
    only: Vec<SyncItem>,
    /// List what would be pushed and what waits on the server; move nothing.
    #[arg(long)]
    dry_run: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Push(args) => match push(args.into()).await {
            Ok(report) => exit(report.exit_code()),
            Err(e) => fail(&e, e.exit_code()),
        },
        Command::Sync(args) => {
            let plan = SyncPlan::only(args.only, args.dry_run);
            match sync(args.push.into(), plan).await {
                Ok(report) if report.push.dry_run => {
                    print!("{}", report.dry_run_text());
                    exit(report.exit_code())
                }
                Ok(report) => {
                    for note in &report.push.notes {
                        println!("note: {note}");
                    }
                    exit(report.exit_code())
                }
                Err(e) => fail(&e, e.exit_code()),
            }
        }
        Command::Run(args) => {
            let code = match daemon::run(args.into()).await {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("error: {e}");
                    e.exit_code()
                }
            };
            // Not waiting for the runtime to wind down: a sync cut short may leave a blocking
            // task (a lock being waited for) that would hold the exit up.
            std::process::exit(code)
        }
        Command::Calendar(CalendarCommand::Sync { library, user }) => {
            match proofroom_connector::calendar_sync(&library, user.as_deref()).await {
                Ok(report) => {
                    for line in &report.lines {
                        println!("{line}");
                    }
                    for error in &report.errors {
                        eprintln!("error: {error}");
                    }
                    ExitCode::from(report.exit_code())
                }
                Err(e) => fail(&e, 2),
            }
        }
        Command::Calendar(CalendarCommand::Authorize { user, library, device }) => {
            match proofroom_connector::authorize(&library, &user, device).await {
                Ok(()) => {
                    println!("{user} is authorized; `calendar sync` uses it from now on");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e, 2),
            }
        }
        Command::Logs(args) => logs(&args),
        Command::ResetLogin { client, server } => {
            match admin::reset_login(server.into(), &client).await {
                Ok(()) => {
                    println!("{client} signs in with their email and last name again");
                    exit(0)
                }
                Err(e) => fail(&e, e.exit_code()),
            }
        }
        Command::Extend { session, days, until, server } => {
            let request = match (days, until) {
                (Some(days), _) => ExpiryRequest::Days(days),
                (None, Some(date)) => ExpiryRequest::Until(date),
                (None, None) => unreachable!("clap requires --days or --until"),
            };
            expiry(server, &session, request).await
        }
        Command::Expire { session, server } => {
            expiry(server, &session, ExpiryRequest::Expire).await
        }
        Command::OrderStatus { number, status, server } => {
            match admin::order_status(server.into(), &number, status).await {
                Ok(result) if result.changed => {
                    println!("order {} is now: {}", result.number, status.label());
                    exit(0)
                }
                Ok(result) => {
                    println!("order {} was already: {}", result.number, status.label());
                    exit(0)
                }
                Err(e) => fail(&e, e.exit_code()),
            }
        }
        Command::OrderPaid { number, server } => {
            match admin::order_paid(server.into(), &number).await {
                Ok(result) if result.changed => {
                    println!("order {} is now: Paid", result.number);
                    exit(0)
                }
                Ok(result) => {
                    println!("order {} was already: Paid", result.number);
                    exit(0)
                }
                Err(e) => fail(&e, e.exit_code()),
            }
        }
        Command::VerifyContract { file, server } => {
            match admin::verify_contract(server.into(), &file).await {
                Ok((sha256, answer)) => {
                    println!("{}: SHA-256 {sha256}", file.display());
                    match answer.contract {
                        None => {
                            println!(
                                "NOT GENUINE: the server holds no signed contract with this content. \
                                 The file was changed, or it is not a PDF this server made."
                            );
                            exit(4)
                        }
                        Some(c) if answer.problems.is_empty() => {
                            println!(
                                "GENUINE: contract \"{}\" ({}) of session {}, signed by {} on {} UTC; \
                                 its document and audit trail verify.",
                                c.title,
                                c.contract_id,
                                c.session_id,
                                c.signer_name,
                                c.signed_at.format("%Y-%m-%d %H:%M:%S")
                            );
                            exit(0)
                        }
                        Some(c) => {
                            println!(
                                "The file is the signed PDF of contract \"{}\" ({}) of session {}, but the \
                                 server's record of it no longer verifies:",
                                c.title, c.contract_id, c.session_id
                            );
                            for problem in answer.problems {
                                println!("  {problem}");
                            }
                            exit(4)
                        }
                    }
                }
                Err(e) => fail(&e, e.exit_code()),
            }
        }
        Command::TakeDown { expired, sessions, yes, server } => {
            let which =
                if expired { TakeDownWhich::Expired } else { TakeDownWhich::Named(sessions) };
            match admin::take_down(server.into(), which, yes).await {
                Ok(report) if !report.errors.is_empty() => {
                    exit(if report.removed.is_empty() { 1 } else { 3 })
                }
                Ok(_) => exit(0),
                Err(e) => fail(&e, e.exit_code()),
            }
        }
        Command::Status(args) => match status(args.into()).await {
            Ok((panel, answered)) => {
                print!("{panel}");
                exit(if answered { 0 } else { 1 })
            }
            Err(e) => fail(&e, e.exit_code()),
        },
    }
}

async fn expiry(server: ServerArgs, session: &str, request: ExpiryRequest) -> ExitCode {
    match admin::change_expiry(server.into(), session, request).await {
        Ok(changed) if changed.is_closed() => {
            let last = changed.session.expires_on;
            println!("{session} has expired (its last day was {last}); it is closed to clients");
            exit(0)
        }
        Ok(changed) => {
            let last = changed.session.expires_on;
            println!("{session} is online until {last} (its last day)");
            exit(0)
        }
        Err(e) => fail(&e, e.exit_code()),
    }
}

fn parse_order_status(s: &str) -> Result<OrderStatus, String> {
    OrderStatus::parse(s).ok_or_else(|| {
        "use one of: placed, received, in-production, ready-for-pickup, shipped".to_string()
    })
}

fn fail(e: &dyn std::fmt::Display, code: i32) -> ExitCode {
    eprintln!("error: {e}");
    exit(code)
}

impl From<ServerArgs> for PushOptions {
    fn from(args: ServerArgs) -> Self {
        Self {
            library: args.library,
            server: args.server,
            token: args.token,
            jobs: DEFAULT_JOBS,
            progress: Progress::Plain,
        }
    }
}

impl From<PushArgs> for PushOptions {
    fn from(args: PushArgs) -> Self {
        Self { jobs: args.jobs.into(), progress: args.progress, ..args.server.into() }
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
