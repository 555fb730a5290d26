//! Cards that were retired: a card is an outbox row carrying a ticket's buttons; once the
//! ticket has moved on, SIGAP rewrites it without its buttons (or drops them before it is
//! sent) and notes it here, so the person holds exactly one live card per ticket waiting on
//! them. `outbox_sent` gets an index on its outbox row, to find the platform's id of a card.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000004_cards"
    }
}

#[derive(DeriveIden)]
enum RetiredCards {
    Table,
    OutboxId,
    TicketId,
    RetiredAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OutboxSent {
    Table,
    OutboxId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RetiredCards::Table)
                    .col(big_integer(RetiredCards::OutboxId).primary_key())
                    .col(big_integer(RetiredCards::TicketId))
                    .col(timestamp_with_time_zone(RetiredCards::RetiredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RetiredCards::Table, RetiredCards::OutboxId)
                            .to(Outbox::Table, Outbox::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_retired_cards_ticket")
                    .table(RetiredCards::Table)
                    .col(RetiredCards::TicketId)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_sent_outbox")
                    .table(OutboxSent::Table)
                    .col(OutboxSent::OutboxId)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_outbox_sent_outbox").table(OutboxSent::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(RetiredCards::Table).take()).await
    }
}
