//! What the WhatsApp channel needs to remember. `outbox_sent` maps the platform's id of a
//! sent message (a `wamid`) back to its outbox row, so a delivery failure reported later by
//! webhook (131047: outside the 24-hour window) is resent as a template. `chat_windows`
//! remember when each chat last wrote to SIGAP (a newcomer too, before they are a person):
//! WhatsApp allows free-form messages only within 24 hours of it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000005_whatsapp"
    }
}

#[derive(DeriveIden)]
enum OutboxSent {
    Table,
    Channel,
    ExternalId,
    OutboxId,
    SentAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ChatWindows {
    Table,
    Channel,
    Address,
    LastInboundAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxSent::Table)
                    .col(string(OutboxSent::Channel))
                    .col(string(OutboxSent::ExternalId))
                    .col(big_integer(OutboxSent::OutboxId))
                    .col(timestamp_with_time_zone(OutboxSent::SentAt))
                    .primary_key(Index::create().col(OutboxSent::Channel).col(OutboxSent::ExternalId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OutboxSent::Table, OutboxSent::OutboxId)
                            .to(Outbox::Table, Outbox::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChatWindows::Table)
                    .col(string(ChatWindows::Channel))
                    .col(string(ChatWindows::Address))
                    .col(timestamp_with_time_zone(ChatWindows::LastInboundAt))
                    .primary_key(Index::create().col(ChatWindows::Channel).col(ChatWindows::Address))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ChatWindows::Table).take()).await?;
        manager.drop_table(Table::drop().table(OutboxSent::Table).take()).await
    }
}
