//! What the admin's terminal is given of people's text. Names, places, descriptions and
//! platform answers are typed by strangers; printed raw, an escape sequence among them clears
//! the screen, retitles the window or hides a line. Every such value passes through here and
//! prints inert: a control character (C0, DEL, C1) or a bidirectional override shows as its
//! escape (`\u{1b}`) instead of acting.

use std::borrow::Cow;

/// `text` on one line: every control character escaped, newlines too, so a value cannot
/// forge a row of its own in a listing.
pub fn inert(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// `text` as a block: as [`inert`], but line breaks are kept where the layout prints a
/// person's text over several lines (a description, an error echoing a file's line).
pub fn inert_lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let acts = |c: char| is_active(c) && !(keep_newlines && c == '\n');
    if !text.chars().any(acts) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !acts(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.extend(c.escape_unicode()),
        }
    }
    Cow::Owned(out)
}

/// Characters a terminal acts on, or that reorder what follows them on screen.
fn is_active(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_as_is() {
        assert!(matches!(inert("Ruang server, lantai 2 — ✓ 🙂"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_and_bell_print_as_their_escapes() {
        let place = "\x1b[2J\x1b[31mRUANG SERVER\x1b]0;pwned\x07";
        let shown = inert(place);
        assert_eq!(shown, "\\u{1b}[2J\\u{1b}[31mRUANG SERVER\\u{1b}]0;pwned\\u{7}");
        assert!(!shown.chars().any(char::is_control));
    }

    #[test]
    fn c1_controls_and_bidi_overrides_are_escaped() {
        assert_eq!(inert("a\u{9b}31mb\u{202E}c"), "a\\u{9b}31mb\\u{202e}c");
    }

    #[test]
    fn newlines_are_kept_only_in_blocks() {
        assert_eq!(inert("baris 1\nbaris 2\r"), "baris 1\\nbaris 2\\r");
        assert_eq!(inert_lines("baris 1\nbaris 2\r"), "baris 1\nbaris 2\\r");
    }
}
