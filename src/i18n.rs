//! Every text a person reads comes from `locales/` (Bahasa Indonesia first, English too).
//! This module holds the few helpers that turn domain values into those texts: dates in
//! the office's zone ("Senin, 23 November 2026 08:55 WIB"), enum labels, and limits.

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use rust_i18n::t;

use crate::domain::calendar::Limit;
use crate::domain::role::Role;
use crate::domain::sop::ActionKind;
use crate::domain::ticket::{Category, Priority, TicketStatus};

pub const LOCALES: [&str; 2] = ["id", "en"];

/// A supported locale for `wanted`, Indonesian when unknown.
pub fn locale(wanted: &str) -> &'static str {
    LOCALES.into_iter().find(|l| *l == wanted).unwrap_or("id")
}

pub fn weekday(locale: &str, day: Weekday) -> String {
    let key = match day {
        Weekday::Mon => "weekday.mon",
        Weekday::Tue => "weekday.tue",
        Weekday::Wed => "weekday.wed",
        Weekday::Thu => "weekday.thu",
        Weekday::Fri => "weekday.fri",
        Weekday::Sat => "weekday.sat",
        Weekday::Sun => "weekday.sun",
    };
    t!(key, locale = locale).into_owned()
}

/// "Senin, 23 November 2026 08:55 WIB": the day name matters to people planning around
/// office hours.
pub fn datetime(locale: &str, at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    let month = t!(format!("month.m{}", local.month()), locale = locale);
    format!(
        "{}, {} {} {} {:02}:{:02} {}",
        weekday(locale, local.weekday()),
        local.day(),
        month,
        local.year(),
        local.hour(),
        local.minute(),
        local.format("%Z")
    )
}

pub fn role(locale: &str, role: Role) -> String {
    t!(format!("role.{}", role.as_str()), locale = locale).into_owned()
}

pub fn role_short(locale: &str, role: Role) -> String {
    t!(format!("role_short.{}", role.as_str()), locale = locale).into_owned()
}

pub fn category(locale: &str, category: Category) -> String {
    t!(format!("category.{}", category.as_str()), locale = locale).into_owned()
}

pub fn priority(locale: &str, priority: Option<Priority>) -> String {
    let key = priority.map_or("unset", Priority::as_str);
    t!(format!("priority.{key}"), locale = locale).into_owned()
}

pub fn status(locale: &str, status: TicketStatus) -> String {
    t!(format!("status.{}", status.as_str()), locale = locale).into_owned()
}

/// The past-tense phrase of an action ("meneruskan"), for histories and "who acted first".
pub fn past(locale: &str, action: &str) -> String {
    t!(format!("past.{action}"), locale = locale).into_owned()
}

/// A button label; `forward` names the role it forwards to.
pub fn action_label(locale: &str, kind: ActionKind, next_role: Option<Role>) -> String {
    let role = next_role.map(|r| role_short(locale, r)).unwrap_or_default();
    t!(format!("action.{}", kind.as_str()), locale = locale, role = role).into_owned()
}

pub fn limit(locale: &str, limit: Option<Limit>) -> String {
    match (limit, locale) {
        (None, _) => t!("sla.no_limit", locale = locale).into_owned(),
        (Some(l), "id") => l.describe_id(),
        (Some(l), _) => l.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Key paths of a locale file. The files are plain nested maps of strings, two spaces
    /// per level, which is all this needs to understand.
    fn keys(text: &str) -> BTreeSet<String> {
        let mut path: Vec<String> = Vec::new();
        let mut out = BTreeSet::new();
        for line in text.lines() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let depth = (line.len() - trimmed.len()) / 2;
            let Some((key, value)) = trimmed.split_once(':') else { continue };
            path.truncate(depth);
            path.push(key.to_owned());
            if !value.trim().is_empty() {
                out.insert(path.join("."));
            }
        }
        out
    }

    #[test]
    fn both_locales_have_exactly_the_same_keys() {
        let id = keys(include_str!("../locales/id.yml"));
        let en = keys(include_str!("../locales/en.yml"));
        assert!(id.len() > 100, "parsed only {} keys", id.len());
        let only_id: Vec<_> = id.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&id).collect();
        assert!(only_id.is_empty() && only_en.is_empty(), "only in id: {only_id:?}; only in en: {only_en:?}");
    }

    #[test]
    fn every_action_role_category_and_status_has_a_text_in_both_locales() {
        for locale in LOCALES {
            let check = |key: String| {
                let text = t!(&key, locale = locale);
                assert_ne!(text, key, "{locale}: missing {key}");
            };
            for kind in ActionKind::ALL {
                check(format!("action.{}", kind.as_str()));
                check(format!("past.{}", kind.as_str()));
            }
            for role in Role::ALL {
                check(format!("role.{}", role.as_str()));
                check(format!("role_short.{}", role.as_str()));
            }
            for c in Category::ALL {
                check(format!("category.{}", c.as_str()));
            }
            for s in TicketStatus::ALL {
                check(format!("status.{}", s.as_str()));
            }
        }
    }

    #[test]
    fn dates_read_as_an_indonesian_office_writes_them() {
        let at = "2026-11-23T01:55:00Z".parse().unwrap();
        assert_eq!(datetime("id", at, chrono_tz::Asia::Jakarta), "Senin, 23 November 2026 08:55 WIB");
        assert_eq!(datetime("en", at, chrono_tz::Asia::Makassar), "Monday, 23 November 2026 09:55 WITA");
    }

    #[test]
    fn every_button_label_fits_whatsapps_twenty_characters() {
        for locale in LOCALES {
            for kind in ActionKind::ALL {
                for role in Role::ALL {
                    let label = action_label(locale, *kind, Some(role));
                    assert!(label.chars().count() <= 20, "{locale}: `{label}` is too long");
                }
            }
        }
    }
}
