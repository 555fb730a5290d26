//! Conversations and invites. `conversations` holds one chat's unfinished dialogue with the
//! bot — a newcomer's registration, a report being put together — keyed by the platform
//! identity, because a newcomer has no person row yet. `invites` are the single-use codes an
//! admin makes so an official registers by opening a link. People get a phone number.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000004_conversations"
    }
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Channel,
    Sender,
    ReplyTo,
    Stage,
    Data,
    Revision,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    CodeHash,
    Role,
    Name,
    OrgId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    UsedBy,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    Phone,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .col(string(Conversations::Channel))
                    .col(string(Conversations::Sender))
                    .col(string(Conversations::ReplyTo))
                    .col(string(Conversations::Stage))
                    .col(text(Conversations::Data))
                    .col(integer(Conversations::Revision))
                    .col(timestamp_with_time_zone(Conversations::UpdatedAt))
                    .primary_key(Index::create().col(Conversations::Channel).col(Conversations::Sender))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invites::Table)
                    .col(string(Invites::CodeHash).primary_key())
                    .col(string(Invites::Role))
                    .col(string(Invites::Name))
                    .col(big_integer_null(Invites::OrgId))
                    .col(timestamp_with_time_zone(Invites::CreatedAt))
                    .col(timestamp_with_time_zone(Invites::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invites::UsedAt))
                    .col(big_integer_null(Invites::UsedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invites::Table, Invites::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create().from(Invites::Table, Invites::UsedBy).to(Persons::Table, Persons::Id),
                    )
                    .take(),
            )
            .await?;
        // The number a reporter gave when registering by Telegram, so staff can call back.
        manager.alter_table(Table::alter().table(Persons::Table).add_column(string_null(Persons::Phone)).take()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Persons::Table).drop_column(Persons::Phone).take()).await?;
        manager.drop_table(Table::drop().table(Invites::Table).take()).await?;
        manager.drop_table(Table::drop().table(Conversations::Table).take()).await
    }
}
