//! Cost that follows the work waiting, not the history. `tickets.next_sla_at` is when the SLA
//! worker must look at a ticket next (null once nothing can become due: closed, or no clock
//! running), so a pass reads only what is due; open tickets of an existing database are due
//! at once, and the first pass sets their real time. The outbox's per-chat index is led by
//! the status, so the delivery scan reads only unsent rows, and an index on its ticket
//! (the live cards of a ticket are read on every action), and processed inbound ids one on
//! their age, so retention deletes them without walking the table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000006_flat_cost"
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Status,
    UpdatedAt,
    NextSlaAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    TicketId,
    Status,
    Channel,
    Address,
}

#[derive(DeriveIden)]
enum InboundUpdates {
    Table,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    PreferredChannel,
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    PersonId,
    Channel,
    Address,
    CreatedAt,
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
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(timestamp_with_time_zone_null(Tickets::NextSlaAt))
                    .take(),
            )
            .await?;
        let due_now = Query::update()
            .table(Tickets::Table)
            .value(Tickets::NextSlaAt, Expr::col(Tickets::UpdatedAt))
            .and_where(Expr::col(Tickets::Status).eq("open"))
            .to_owned();
        manager.exec_stmt(due_now).await?;
        manager
            .create_index(
                Index::create().name("idx_tickets_next_sla").table(Tickets::Table).col(Tickets::NextSlaAt).take(),
            )
            .await?;
        // The chat index led by the chat let the delivery scan walk every row of a channel;
        // led by the status, its unsent range holds only the rows waiting.
        manager.drop_index(Index::drop().name("idx_outbox_chat").table(Outbox::Table).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_unsent_chat")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::Channel)
                    .col(Outbox::Address)
                    .take(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_outbox_ticket").table(Outbox::Table).col(Outbox::TicketId).take())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inbound_updates_received")
                    .table(InboundUpdates::Table)
                    .col(InboundUpdates::ReceivedAt)
                    .take(),
            )
            .await?;
        opened_chats(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("idx_inbound_updates_received", InboundUpdates::Table.into_iden()),
            ("idx_outbox_ticket", Outbox::Table.into_iden()),
            ("idx_outbox_unsent_chat", Outbox::Table.into_iden()),
            ("idx_tickets_next_sla", Tickets::Table.into_iden()),
        ] {
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_chat")
                    .table(Outbox::Table)
                    .col(Outbox::Channel)
                    .col(Outbox::Address)
                    .col(Outbox::Status)
                    .take(),
            )
            .await?;
        manager.alter_table(Table::alter().table(Tickets::Table).drop_column(Tickets::NextSlaAt).take()).await
    }
}

/// `chat_windows` now records every chat that wrote to SIGAP, on every channel (a Telegram
/// bot cannot message someone who never opened it); before, only WhatsApp chats were kept.
/// A person's preferred channel is set only by their own messages, so it is proof enough that
/// they opened their Telegram chat; when is not known, their identity's creation stands in.
async fn opened_chats(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let wrote = Query::select()
        .column((Identities::Table, Identities::Channel))
        .column((Identities::Table, Identities::Address))
        .column((Identities::Table, Identities::CreatedAt))
        .from(Identities::Table)
        .inner_join(
            Persons::Table,
            Expr::col((Persons::Table, Persons::Id)).equals((Identities::Table, Identities::PersonId)).and(
                Expr::col((Persons::Table, Persons::PreferredChannel)).equals((Identities::Table, Identities::Channel)),
            ),
        )
        .and_where(Expr::col((Identities::Table, Identities::Channel)).eq("telegram"))
        .to_owned();
    let insert = Query::insert()
        .into_table(ChatWindows::Table)
        .columns([ChatWindows::Channel, ChatWindows::Address, ChatWindows::LastInboundAt])
        .select_from(wrote)
        .map_err(|e| DbErr::Migration(e.to_string()))?
        .to_owned();
    manager.exec_stmt(insert).await
}
