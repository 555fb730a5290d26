//! The chat simulator's history ("Coba SIGAP"): what the web channel's delivery lane wrote
//! for a simulated person, and what that person typed, so the simulator can show a chat. A
//! card's edit rewrites its row in place, as Telegram rewrites a message. Old rows go with
//! the retention job; nothing else reads them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000011_web_chat"
    }
}

#[derive(DeriveIden)]
enum WebMessages {
    Table,
    Id,
    Address,
    FromPerson,
    Body,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebMessages::Table)
                    .col(big_pk_auto(WebMessages::Id))
                    .col(string(WebMessages::Address))
                    .col(boolean(WebMessages::FromPerson))
                    // The outbound message as the outbox held it (text, buttons, files), or
                    // what the person typed: JSON, read only by the simulator.
                    .col(text(WebMessages::Body))
                    .col(timestamp_with_time_zone(WebMessages::CreatedAt))
                    .col(timestamp_with_time_zone(WebMessages::UpdatedAt))
                    .take(),
            )
            .await?;
        // A chat is read as its latest messages: one chat's rows, newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_web_messages_address_id")
                    .table(WebMessages::Table)
                    .col(WebMessages::Address)
                    .col(WebMessages::Id)
                    .take(),
            )
            .await?;
        // Retention deletes the oldest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_web_messages_updated_at")
                    .table(WebMessages::Table)
                    .col(WebMessages::UpdatedAt)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebMessages::Table).take()).await
    }
}
