//! SIGAP: a chat-ops helpdesk that runs the network-outage SOP of an Indonesian
//! local-government IT office (Dinas Kominfo).
//!
//! Layout, from the inside out:
//! - [`domain`]: the pure core. Value types, the SOP (a TOML file per office) and its
//!   workflow engine, the business-hours calendar and SLA evaluation. No I/O.
//! - [`store`]: sea-orm persistence (SQLite by default, PostgreSQL in production); the
//!   schema lives in the `migration` crate.
//! - [`service`]: the [`service::Helpdesk`] that channels and the CLI call; it writes each
//!   change, its immutable event and its outbound messages in one transaction.
//! - [`outbound`]: channel-neutral messages queued in the outbox; [`delivery`] sends them
//!   through each channel's [`delivery::Sender`], in order, with retries.
//! - [`config`], [`settings`], [`clock`], [`i18n`]: loading SOP files, typed settings, a
//!   settable clock, and localized texts from `locales/`.
//! - [`cli`] and [`startup`]: the `sigap` command and the HTTP server it serves; [`web`]:
//!   the console in the browser, pages over the same service calls the chat uses.

rust_i18n::i18n!("locales", fallback = "id");

pub mod affinity;
pub mod channels;
pub mod cli;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod documents;
pub mod domain;
pub mod export;
pub mod i18n;
pub mod inbox;
pub mod metrics;
pub mod outbound;
pub mod service;
pub mod settings;
pub mod startup;
pub mod store;
pub mod web;
