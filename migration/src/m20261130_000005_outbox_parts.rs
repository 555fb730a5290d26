//! How many parts of an outbox message have gone out. A message that takes several API calls
//! (a long text, files and text, a list after its text) is sent part by part; a retry after a
//! 5xx or 429 resumes after the last part the platform accepted instead of sending the
//! earlier parts again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000005_outbox_parts"
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    PartsSent,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Outbox::Table).add_column(integer(Outbox::PartsSent).default(0)).take())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Outbox::Table).drop_column(Outbox::PartsSent).take()).await
    }
}
