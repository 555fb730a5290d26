//! The webhook inbox: deliveries a platform posted, stored as received (signature already
//! checked) so the webhook can answer at once; a worker applies them and deletes each row
//! once its effect is committed. It has a migrator of its own ([`crate::InboxMigrator`]):
//! on PostgreSQL the table lives in the main database, on SQLite in a file of its own, so
//! that storing a delivery never waits for the main file's one writer.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000001_inbox"
    }
}

#[derive(DeriveIden)]
enum WebhookInbox {
    Table,
    Id,
    Channel,
    Sender,
    Body,
    ReceivedAt,
    Attempts,
    NotBefore,
    LastError,
    Parked,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookInbox::Table)
                    .col(big_pk_auto(WebhookInbox::Id))
                    .col(string(WebhookInbox::Channel))
                    .col(string(WebhookInbox::Sender))
                    .col(text(WebhookInbox::Body))
                    .col(timestamp_with_time_zone(WebhookInbox::ReceivedAt))
                    .col(integer(WebhookInbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookInbox::NotBefore))
                    .col(text_null(WebhookInbox::LastError))
                    .col(boolean(WebhookInbox::Parked).default(false))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_inbox_channel_parked")
                    .table(WebhookInbox::Table)
                    .col(WebhookInbox::Channel)
                    .col(WebhookInbox::Parked)
                    .col(WebhookInbox::Id)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookInbox::Table).take()).await
    }
}
