//! The bytes of the papers SIGAP renders itself (Berita Acara, completion report), kept in
//! the database next to their attachment row rather than as files under DATA_DIR: they
//! are written in the same transaction as the step that produced them, so a paper exists
//! exactly when its step does, and a backup of the database holds every one. Files that
//! people send (photos) stay on disk.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000002_papers"
    }
}

#[derive(DeriveIden)]
enum AttachmentContents {
    Table,
    AttachmentId,
    Bytes,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AttachmentContents::Table)
                    .col(big_integer(AttachmentContents::AttachmentId).primary_key())
                    .col(blob(AttachmentContents::Bytes))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AttachmentContents::Table, AttachmentContents::AttachmentId)
                            .to(Attachments::Table, Attachments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AttachmentContents::Table).take()).await
    }
}
