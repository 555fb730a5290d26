//! Chat channels: thin adapters between a platform and the core. They turn platform updates
//! into core commands and core messages into platform calls; no workflow rule lives here.

pub mod alerts;
pub mod callback;
pub mod commands;
pub mod telegram;
pub mod web;
pub mod whatsapp;

use std::borrow::Cow;

/// What people typed, as the databases can keep it and a terminal can show it: NUL (which
/// PostgreSQL refuses in text, and SQLite would keep) and the other control characters are
/// dropped, tabs and line breaks kept. Every channel cleans its text here, at the edge, so
/// both databases see the same.
pub fn clean_text(text: &str) -> Cow<'_, str> {
    let unwanted = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
    if text.contains(unwanted) {
        Cow::Owned(text.chars().filter(|c| !unwanted(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::clean_text;

    #[test]
    fn nul_and_control_characters_are_dropped_and_line_breaks_kept() {
        assert_eq!(clean_text("Aula\u{0} lantai 2"), "Aula lantai 2");
        assert_eq!(clean_text("\u{1b}[2J\u{1b}[31mRUANG\u{7}\u{9b}"), "[2J[31mRUANG");
        assert_eq!(clean_text("baris 1\nbaris 2\r\n\tok 🙂"), "baris 1\nbaris 2\r\n\tok 🙂");
        assert!(matches!(clean_text("biasa"), std::borrow::Cow::Borrowed(_)));
    }
}
