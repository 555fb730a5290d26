//! WhatsApp through Meta's Cloud API (Graph API v23.0), as building blocks the service wires
//! up: typed settings, the outgoing message types and their limits (`api`), a thin HTTP
//! client whose errors say whether to retry (`client`, `error`), the outbox sender
//! (`sender`), the webhook's verification and parsing (`webhook`), and the route that turns
//! deliveries into core calls (`receiver`). No workflow rule lives here.

pub mod api;
pub mod client;
pub mod error;
pub mod receiver;
pub mod sender;
pub mod settings;
pub mod webhook;

pub use api::{Choice, MessageRequest};
pub use client::GraphClient;
pub use error::GraphError;
pub use receiver::WhatsAppReceiver;
pub use sender::WhatsAppSender;
pub use settings::{Template, Templates, WhatsAppSettings};
