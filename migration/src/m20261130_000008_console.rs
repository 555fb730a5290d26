//! The web console's sign-in: one-time codes and links (only their hashes), the failed
//! attempts that rate-limit guessing, and sessions (only their tokens' hashes). Nothing here
//! is a password: a code reaches the person in their own chat, a link comes from the admin.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000008_console"
    }
}

#[derive(DeriveIden)]
enum ConsoleCodes {
    Table,
    Id,
    PersonId,
    Kind,
    CodeHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum ConsoleFailures {
    Table,
    Id,
    Subject,
    At,
}

#[derive(DeriveIden)]
enum ConsoleSessions {
    Table,
    TokenHash,
    PersonId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ConsoleCodes::Table)
                    .col(big_pk_auto(ConsoleCodes::Id))
                    .col(big_integer(ConsoleCodes::PersonId))
                    .col(string(ConsoleCodes::Kind))
                    .col(string(ConsoleCodes::CodeHash))
                    .col(timestamp_with_time_zone(ConsoleCodes::CreatedAt))
                    .col(timestamp_with_time_zone(ConsoleCodes::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ConsoleCodes::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsoleCodes::Table, ConsoleCodes::PersonId)
                            .to(Persons::Table, Persons::Id),
                    )
                    .take(),
            )
            .await?;
        // A code is looked up by its hash: a link knows nothing else, a code is checked by it.
        manager
            .create_index(
                Index::create()
                    .name("idx_console_codes_hash")
                    .table(ConsoleCodes::Table)
                    .col(ConsoleCodes::CodeHash)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsoleFailures::Table)
                    .col(big_pk_auto(ConsoleFailures::Id))
                    .col(string(ConsoleFailures::Subject))
                    .col(timestamp_with_time_zone(ConsoleFailures::At))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_console_failures_subject_at")
                    .table(ConsoleFailures::Table)
                    .col(ConsoleFailures::Subject)
                    .col(ConsoleFailures::At)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsoleSessions::Table)
                    .col(string(ConsoleSessions::TokenHash).primary_key())
                    .col(big_integer(ConsoleSessions::PersonId))
                    .col(string(ConsoleSessions::CsrfToken))
                    .col(timestamp_with_time_zone(ConsoleSessions::CreatedAt))
                    .col(timestamp_with_time_zone(ConsoleSessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ConsoleSessions::EndedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsoleSessions::Table, ConsoleSessions::PersonId)
                            .to(Persons::Table, Persons::Id),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ConsoleSessions::Table).take()).await?;
        manager.drop_table(Table::drop().table(ConsoleFailures::Table).take()).await?;
        manager.drop_table(Table::drop().table(ConsoleCodes::Table).take()).await
    }
}
