use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use proofroom_server::{Application, config::Config, db, demo};

/// Proofroom: online proofing and ordering for photography studios.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (TOML); PROOFROOM_* environment variables override it.
    #[arg(long, global = true, env = "PROOFROOM_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage studio API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Contracts for e-signature.
    Contracts {
        #[command(subcommand)]
        action: ContractsAction,
    },
    /// The file store: copy it into another.
    Storage {
        #[command(subcommand)]
        action: StorageAction,
    },
    /// Build and start a demo studio on SQLite and local files, published by the connector.
    Demo {
        /// Where the demo keeps its database, files and studio library.
        #[arg(long, default_value = "demo-data")]
        data: PathBuf,
        /// Port to serve on (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
}

#[derive(Subcommand)]
enum ContractsAction {
    /// Walk every contract's stored document, signature, signed PDF and chained audit trail,
    /// and name what does not match. Exit 1 when anything does not.
    Verify,
}

#[derive(Subcommand)]
enum StorageAction {
    /// Copy every file into the other store: `--to s3` from `<data_dir>/files` into the `[s3]`
    /// bucket (then set `store = "s3"`), `--to files` back. Each file is checked by SHA-256;
    /// run it again after an interruption and it goes on where it stopped.
    Migrate {
        #[arg(long, value_parser = ["s3", "files"])]
        to: String,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Create a studio token; it is printed once and only its hash is stored.
    Create,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PROOFROOM_LOG")
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let load = || Config::load(cli.config.as_deref(), std::env::vars());
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => load().map_err(anyhow::Error::msg).and_then(serve),
        Command::Token { action: TokenAction::Create } => {
            load().map_err(anyhow::Error::msg).and_then(create_token)
        }
        Command::Demo { data, port } => demo::run(data, port),
        Command::Storage { action: StorageAction::Migrate { to } } => {
            load().map_err(anyhow::Error::msg).and_then(|config| migrate_storage(config, &to))
        }
        Command::Contracts { action: ContractsAction::Verify } => {
            match load().map_err(anyhow::Error::msg).and_then(verify_contracts) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::FAILURE,
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proofroom: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config.clone())?;
        tracing::info!("listening on http://{}:{}", config.host, app.port());
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn create_token(config: Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)?;
    let pool = db::open(&config.database_url(), 1)?;
    let mut conn = pool.get()?;
    let token = proofroom_server::studio_api::auth::create_token(&mut conn)?;
    println!("{token}");
    eprintln!("Keep this token: it is shown once. Put it in the connector's token file.");
    Ok(())
}

/// Prints what `contracts verify` found; answers whether everything holds.
fn verify_contracts(config: Config) -> anyhow::Result<bool> {
    let pool = db::open(&config.database_url(), 1)?;
    let mut conn = pool.get()?;
    let walked = proofroom_server::contracts::verify::verify_all(&mut conn)?;
    println!(
        "checked {} contracts, {} signatures, {} audit rows",
        walked.contracts, walked.signatures, walked.audit_rows
    );
    if walked.findings.is_empty() {
        println!("all documents, signed PDFs and audit trails verify");
        return Ok(true);
    }
    for finding in &walked.findings {
        println!("{}:", finding.contract);
        for problem in &finding.problems {
            println!("  {problem}");
        }
    }
    println!("{} contracts do not verify", walked.findings.len());
    Ok(false)
}

/// `storage migrate --to s3|files`: every file of one store into the other, checked.
fn migrate_storage(config: Config, to: &str) -> anyhow::Result<()> {
    use proofroom_server::storage::{FileStore, Store, migrate, s3::S3Store};
    let files = FileStore::new(config.data_dir.join("files"))?;
    let bucket = S3Store::new(&config.s3).map_err(|e| anyhow::anyhow!("the [s3] bucket: {e}"))?;
    let (from, target): (&dyn Store, &dyn Store) =
        if to == "s3" { (&files, &bucket) } else { (&bucket, &files) };
    let scratch = config.data_dir.join("migrate-scratch");
    std::fs::create_dir_all(&scratch)?;
    // One progress file per target: another bucket or prefix starts from nothing.
    let target_name: String = format!("{to}-{}-{}", config.s3.bucket, config.s3.prefix)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    let progress = config.data_dir.join(format!("storage-migrate-to-{target_name}.done"));
    let done = migrate::migrate(from, target, &scratch, &progress, &mut |line| println!("{line}"))?;
    println!(
        "copied {} files ({:.1} MB) to {to}, {} copied by an earlier run, {} failed",
        done.copied,
        done.bytes as f64 / 1e6,
        done.earlier,
        done.failed.len()
    );
    if !done.failed.is_empty() {
        for (key, why) in &done.failed {
            eprintln!("not copied: {key}: {why}");
        }
        anyhow::bail!("{} files were not copied; run it again once fixed", done.failed.len());
    }
    if to == "s3" {
        println!("every file is in the bucket: set store = \"s3\" and restart the servers");
    }
    Ok(())
}
