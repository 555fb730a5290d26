//! Inbound idempotency and pending inputs. `inbound_updates` remembers every platform update
//! whose effect was committed (Telegram update_id, WhatsApp message id), written in the same
//! transaction as the effect, so a re-delivered update changes nothing. `pending_inputs` holds
//! the one action a person started by button and must finish by message (a reason, a note).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_inbound"
    }
}

#[derive(DeriveIden)]
enum InboundUpdates {
    Table,
    Channel,
    ExternalId,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum PendingInputs {
    Table,
    PersonId,
    Channel,
    TicketId,
    Version,
    Action,
    ToStep,
    CardChat,
    CardMessage,
    CardText,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboundUpdates::Table)
                    .col(string(InboundUpdates::Channel))
                    .col(string(InboundUpdates::ExternalId))
                    .col(timestamp_with_time_zone(InboundUpdates::ReceivedAt))
                    .primary_key(Index::create().col(InboundUpdates::Channel).col(InboundUpdates::ExternalId))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PendingInputs::Table)
                    .col(big_integer(PendingInputs::PersonId).primary_key())
                    .col(string(PendingInputs::Channel))
                    .col(big_integer(PendingInputs::TicketId))
                    .col(integer(PendingInputs::Version))
                    .col(string(PendingInputs::Action))
                    .col(string_null(PendingInputs::ToStep))
                    .col(string_null(PendingInputs::CardChat))
                    .col(string_null(PendingInputs::CardMessage))
                    .col(text_null(PendingInputs::CardText))
                    .col(timestamp_with_time_zone(PendingInputs::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PendingInputs::Table, PendingInputs::PersonId)
                            .to(Persons::Table, Persons::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PendingInputs::Table, PendingInputs::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PendingInputs::Table).take()).await?;
        manager.drop_table(Table::drop().table(InboundUpdates::Table).take()).await
    }
}
