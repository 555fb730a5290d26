//! sea-orm entities, one per table of the `migration` crate. Plain rows: the domain types
//! live in [`crate::domain`] and the store converts at its boundary.

pub mod alert_incident;
pub mod attachment;
pub mod attachment_content;
pub mod chat_window;
pub mod console_code;
pub mod console_failure;
pub mod console_session;
pub mod conversation;
pub mod identity;
pub mod inbound_update;
pub mod invite;
pub mod network_name;
pub mod network_node;
pub mod network_node_org;
pub mod organisation;
pub mod outbox;
pub mod outbox_sent;
pub mod pending_input;
pub mod person;
pub mod person_role;
pub mod retired_card;
pub mod service_complaint;
pub mod sla_digest;
pub mod sla_notice;
pub mod survey_answer;
pub mod ticket;
pub mod ticket_assignee;
pub mod ticket_counter;
pub mod ticket_event;
pub mod web_message;
pub mod webhook_inbox;
pub mod worker_lease;
