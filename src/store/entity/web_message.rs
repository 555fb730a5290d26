//! Row of `web_messages`: one message of a simulated chat ("Coba SIGAP").

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "web_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The simulated person's web identity.
    pub address: String,
    /// Typed by the person; otherwise SIGAP's.
    pub from_person: bool,
    /// JSON: an [`crate::outbound::OutboundMessage`], or the person's [`crate::store::web_chat::Typed`].
    pub body: String,
    pub created_at: DateTimeUtc,
    /// Moves when a card is rewritten: the simulator redraws what changed.
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
