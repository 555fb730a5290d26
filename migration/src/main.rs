//! `migration` binary: apply or inspect SIGAP's schema without starting the service.
//! `sigap migrate` does the same; this one exists for deployments that migrate separately.

use clap::{Parser, Subcommand};
use migration::{InboxMigrator, Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

#[derive(Parser)]
#[command(about = "Apply SIGAP's database migrations")]
struct Cli {
    /// sqlite://data/sigap.db?mode=rwc or postgres://user@host/db
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/sigap.db?mode=rwc")]
    database_url: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply all pending migrations (the default)
    Up,
    /// Roll back the last migration
    Down,
    /// List applied and pending migrations
    Status,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = async {
        let db = Database::connect(&cli.database_url).await?;
        // On PostgreSQL the webhook inbox shares the database; on SQLite SIGAP keeps it in a
        // file of its own and migrates it when it starts.
        let inbox_here = !cli.database_url.starts_with("sqlite:");
        match cli.command.unwrap_or(Command::Up) {
            Command::Up => {
                Migrator::up(&db, None).await?;
                if inbox_here { InboxMigrator::up(&db, None).await } else { Ok(()) }
            }
            Command::Down => Migrator::down(&db, Some(1)).await,
            Command::Status => {
                Migrator::status(&db).await?;
                if inbox_here { InboxMigrator::status(&db).await } else { Ok(()) }
            }
        }
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("migration failed: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
