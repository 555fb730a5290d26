//! The channel-agnostic core: value types, the SOP and its engine, the business-hours
//! calendar and SLA evaluation. Pure code: time comes in as an argument, effects go out as
//! values, and nothing here knows a database, an HTTP client or a chat platform.

pub mod alert;
pub mod calendar;
pub mod intake;
pub mod network;
pub mod phone;
pub mod photo;
pub mod records;
pub mod reminders;
pub mod reply;
pub mod role;
pub mod sla;
pub mod sop;
pub mod ticket;
pub mod workflow;
