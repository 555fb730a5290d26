//! Chat channels: thin adapters between a platform and the core. They turn platform updates
//! into core commands and core messages into platform calls; no workflow rule lives here.

pub mod callback;
pub mod commands;
pub mod telegram;
pub mod whatsapp;
