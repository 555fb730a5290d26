//! Linked tickets (issue 17): a report from an organisation under an open incident is a child
//! of the incident's ticket, `tickets.parent_id`, and does not walk the SOP on its own. Nullable:
//! every ticket before this, and every ticket of its own, has none. Indexed, because every move
//! of a parent reads its children.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000009_linked"
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    ParentId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key: SQLite cannot add one to an existing table, and the service is the
        // one writer of the column (a parent is never deleted: tickets are kept for the log).
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(ColumnDef::new(Tickets::ParentId).big_integer().null())
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_tickets_parent").table(Tickets::Table).col(Tickets::ParentId).take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_tickets_parent").table(Tickets::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Tickets::Table).drop_column(Tickets::ParentId).take()).await
    }
}
