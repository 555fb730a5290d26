//! Making text fit WhatsApp's limits without breaking it: limits count characters, Indonesian
//! names and words are long, and a cut must never land inside a UTF-8 character. Button titles
//! must also stay unique after the cut, or Meta refuses the whole message.

/// What marks a cut, so the reader knows the label goes on.
const ELLIPSIS: char = '…';

/// `text` if it has at most `max` characters, else its first `max - 1` characters (trailing
/// spaces dropped) and an ellipsis.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let head: String = text.chars().take(max - 1).collect();
    let mut cut = head.trim_end().to_owned();
    cut.push(ELLIPSIS);
    cut
}

/// Keeps both ends, for titles that differ only at the end ("Muhammad Rizky Pratama (1)" and
/// "(3)"): the head, an ellipsis, and the last third of the room.
fn truncate_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max || max < 3 {
        return truncate(text, max);
    }
    let tail_len = (max - 1) / 3;
    let head_len = max - 1 - tail_len;
    let head: String = text.chars().take(head_len).collect();
    let tail: String = text.chars().skip(count - tail_len).collect();
    format!("{}{ELLIPSIS}{}", head.trim_end(), tail.trim_start())
}

/// Each title cut to `max` characters, no two alike: a plain cut when it is unique, else a cut
/// in the middle, else a cut followed by the title's position.
pub fn unique_titles<'a>(titles: impl IntoIterator<Item = &'a str>, max: usize) -> Vec<String> {
    let mut fitted: Vec<String> = Vec::new();
    for (i, title) in titles.into_iter().enumerate() {
        let title = title.trim();
        let candidates = [truncate(title, max), truncate_middle(title, max)];
        let chosen = candidates.into_iter().find(|c| !fitted.contains(c)).unwrap_or_else(|| {
            (i + 1..)
                .map(|n| {
                    let suffix = format!(" {n}");
                    let room = max.saturating_sub(suffix.chars().count());
                    format!("{}{suffix}", truncate(title, room))
                })
                .find(|c| !fitted.contains(c))
                .unwrap_or_default()
        });
        fitted.push(chosen);
    }
    fitted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_as_is() {
        assert_eq!(truncate("Terima", 20), "Terima");
        assert_eq!(truncate("", 20), "");
    }

    #[test]
    fn long_text_is_cut_to_the_limit_with_an_ellipsis() {
        let cut = truncate("Tugaskan ke teknisi jaringan", 20);
        assert_eq!(cut.chars().count(), 20);
        assert_eq!(cut, "Tugaskan ke teknisi…");
    }

    #[test]
    fn a_cut_never_splits_a_multibyte_character() {
        let text = "Perbaikan jaringan di Kantor Desa Sukamaju ✓✓✓ 🙂🙂🙂 éèê";
        for max in 1..text.chars().count() {
            let cut = truncate(text, max);
            assert!(cut.chars().count() <= max, "{max}: {cut}");
            assert!(text.starts_with(cut.trim_end_matches(ELLIPSIS).trim_end()), "{max}: {cut}");
        }
        assert_eq!(truncate("éééé", 3), "éé…");
    }

    #[test]
    fn titles_that_collide_after_the_cut_are_told_apart_within_the_limit() {
        let titles = ["Muhammad Rizky Pratama (1)", "Muhammad Rizky Pratama (3)", "Muhammad Rizky Pratama (3)"];
        let fitted = unique_titles(titles, 20);
        assert_eq!(fitted[0], "Muhammad Rizky Prat…");
        assert!(fitted[1].ends_with("(3)"), "{fitted:?}");
        assert!(fitted.iter().all(|t| t.chars().count() <= 20), "{fitted:?}");
        let mut sorted = fitted.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 3, "{fitted:?}");
    }
}
