//! Reading a free-form outage report ("Internet di ruang server Dinkes mati sejak pagi") for
//! what it already says, so the bot asks only for what is missing. When it says both place
//! and kind, the report is filed from that message; the reporter can still change either
//! with *Ubah* until an official acts on the ticket.

use super::ticket::Category;

/// Words that start a place inside a building, as reporters write them.
const PLACE_CUES: &[&str] = &[
    "ruang",
    "ruangan",
    "gedung",
    "lantai",
    "lt",
    "aula",
    "lab",
    "laboratorium",
    "sekretariat",
    "kantor",
    "balai",
    "loket",
    "pendopo",
    "room",
    "building",
    "floor",
];

/// Words after which the place has ended (what happened, since when).
const PLACE_STOPS: &[&str] = &[
    "mati", "putus", "lambat", "lemot", "tidak", "tdk", "gak", "nggak", "ga", "sejak", "mulai", "dari", "sudah", "sdh",
    "belum", "blm", "error", "down", "rusak", "hilang", "internet", "wifi", "jaringan", "is", "since", "not", "has",
];

/// Most words a guessed place keeps: "ruang rapat lantai 2 gedung B" and no more.
const MAX_PLACE_WORDS: usize = 6;

/// The kind of outage the words point to; `None` when they do not say.
pub fn guess_category(text: &str) -> Option<Category> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    let phrase = |list: &[&str]| list.iter().any(|p| lower.contains(p));
    if has(&["rusak", "terbakar", "hangus", "broken", "damaged"]) || phrase(&["kabel putus", "kena petir", "tersambar"])
    {
        Some(Category::DeviceDamage)
    } else if has(&["lambat", "lemot", "lelet", "pelan", "slow", "putus-putus", "buffering"])
        || phrase(&["putus-putus", "putus putus", "sering putus"])
    {
        Some(Category::Slow)
    } else if has(&["dns"]) || phrase(&["tidak bisa buka situs", "situs tidak bisa", "website tidak bisa"]) {
        Some(Category::Dns)
    } else if has(&["intranet", "lan", "simpeg", "srikandi", "siskeudes", "aplikasi"]) {
        Some(Category::Intranet)
    } else if has(&["mati", "putus", "down", "offline", "internet", "wifi", "koneksi", "jaringan", "connection"]) {
        Some(Category::InternetDown)
    } else {
        None
    }
}

/// The place the report names ("ruang server", "lantai 2"), as written; `None` when none.
pub fn guess_location(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    let start = words.iter().position(|w| PLACE_CUES.contains(&bare(w).as_str()))?;
    let mut place = Vec::new();
    for word in &words[start..] {
        let plain = bare(word);
        if place.len() >= MAX_PLACE_WORDS || (!place.is_empty() && PLACE_STOPS.contains(&plain.as_str())) {
            break;
        }
        let ends_clause = word.ends_with([',', '.', ';', '!', '?', ':']);
        place.push(word.trim_end_matches([',', '.', ';', '!', '?', ':']));
        if ends_clause {
            break;
        }
    }
    // A cue word alone ("kantor") names no place.
    (place.len() > 1).then(|| place.join(" "))
}

/// A Srikandi letter number looks like "800/123/35.19.04/2026": digits and slashes.
pub fn looks_like_letter_number(text: &str) -> bool {
    let text = text.trim();
    text.contains('/') && text.chars().any(|c| c.is_ascii_digit()) && text.chars().count() <= 80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_from_how_reporters_write() {
        assert_eq!(guess_category("Internet di Dinkes mati sejak pagi"), Some(Category::InternetDown));
        assert_eq!(guess_category("wifi kantor desa lemot banget"), Some(Category::Slow));
        assert_eq!(guess_category("Router di ruang server rusak kena petir"), Some(Category::DeviceDamage));
        assert_eq!(guess_category("Tidak bisa buka situs kemendagri, DNS error"), Some(Category::Dns));
        assert_eq!(guess_category("Aplikasi SIMPEG tidak bisa diakses"), Some(Category::Intranet));
        assert_eq!(guess_category("Tolong dibantu pak"), None);
    }

    #[test]
    fn places_are_cut_where_the_problem_starts() {
        assert_eq!(guess_location("Internet di ruang server mati sejak pagi").as_deref(), Some("ruang server"));
        assert_eq!(guess_location("Wifi Lantai 2 gedung B lambat").as_deref(), Some("Lantai 2 gedung B"));
        assert_eq!(guess_location("Di aula kecil, internet putus").as_deref(), Some("aula kecil"));
        assert_eq!(guess_location("Internet di Dinkes mati sejak pagi"), None);
        assert_eq!(guess_location("kantor mati"), None);
    }

    #[test]
    fn letter_numbers_are_told_from_words() {
        assert!(looks_like_letter_number("800/123/35.19.04/2026"));
        assert!(!looks_like_letter_number("tidak ada"));
        assert!(!looks_like_letter_number("lantai 2"));
    }
}
