//! Reading what a person typed to finish an action: an ISP's recovery estimate ("14:30",
//! "besok 09:00", "3 jam", "45 menit", "25/11 10:00") and a device with its reason
//! ("Switch 24 port - mati total"). Pure: `now` and the office's zone come in.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The moment meant by `text`, or `None` when it is not understood. A bare time of day
/// already past today means tomorrow.
pub fn parse_eta(text: &str, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    let lower = text.trim().to_lowercase().replace('.', ":");
    let words: Vec<&str> = lower.split_whitespace().collect();
    let local_now = now.with_timezone(&tz);
    let at =
        |day: NaiveDate, time: NaiveTime| tz.from_local_datetime(&day.and_time(time)).earliest().map(|t| t.to_utc());
    match words.as_slice() {
        [n, unit] if n.parse::<i64>().is_ok() => {
            let n: i64 = n.parse().ok()?;
            let span = match *unit {
                "jam" | "hour" | "hours" => Duration::hours(n),
                "menit" | "minute" | "minutes" | "min" => Duration::minutes(n),
                "hari" | "day" | "days" => Duration::days(n),
                _ => return None,
            };
            (n > 0).then(|| now + span)
        }
        [time] => {
            let time = NaiveTime::parse_from_str(time, "%H:%M").ok()?;
            let today = at(local_now.date_naive(), time)?;
            if today > now { Some(today) } else { at(local_now.date_naive().succ_opt()?, time) }
        }
        ["besok" | "tomorrow", time] => {
            let time = NaiveTime::parse_from_str(time, "%H:%M").ok()?;
            at(local_now.date_naive().succ_opt()?, time)
        }
        [date, time] => {
            let time = NaiveTime::parse_from_str(time, "%H:%M").ok()?;
            let (d, m) = date.split_once('/')?;
            let day = NaiveDate::from_ymd_opt(local_now.year(), m.parse().ok()?, d.parse().ok()?)?;
            at(day, time)
        }
        _ => None,
    }
}

/// `(device, reason)` from "device - reason" (also "—", ":" or a new line); the whole text
/// serves as both when there is no separator.
pub fn split_device(text: &str) -> (String, String) {
    let text = text.trim();
    for separator in ["\n", " — ", " - ", ": "] {
        if let Some((device, reason)) = text.split_once(separator) {
            let (device, reason) = (device.trim(), reason.trim());
            if !device.is_empty() && !reason.is_empty() {
                return (device.to_owned(), reason.to_owned());
            }
        }
    }
    (text.to_owned(), text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Jakarta;

    fn wib(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Jakarta.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap().to_utc()
    }

    #[test]
    fn estimates_are_read_as_an_official_types_them() {
        let now = wib(2026, 11, 23, 10, 0);
        assert_eq!(parse_eta("14:30", now, Jakarta), Some(wib(2026, 11, 23, 14, 30)));
        assert_eq!(parse_eta("14.30", now, Jakarta), Some(wib(2026, 11, 23, 14, 30)));
        assert_eq!(parse_eta("08:00", now, Jakarta), Some(wib(2026, 11, 24, 8, 0)));
        assert_eq!(parse_eta("besok 09:00", now, Jakarta), Some(wib(2026, 11, 24, 9, 0)));
        assert_eq!(parse_eta("3 jam", now, Jakarta), Some(wib(2026, 11, 23, 13, 0)));
        assert_eq!(parse_eta("45 menit", now, Jakarta), Some(wib(2026, 11, 23, 10, 45)));
        assert_eq!(parse_eta("25/11 10:00", now, Jakarta), Some(wib(2026, 11, 25, 10, 0)));
    }

    #[test]
    fn what_is_not_an_estimate_is_not_guessed() {
        let now = wib(2026, 11, 23, 10, 0);
        for text in ["", "secepatnya", "0 jam", "25:99", "31/02 10:00", "3 minggu"] {
            assert_eq!(parse_eta(text, now, Jakarta), None, "{text}");
        }
    }

    #[test]
    fn a_device_and_its_reason_are_told_apart() {
        assert_eq!(split_device("Switch 24 port - mati total"), ("Switch 24 port".into(), "mati total".into()));
        assert_eq!(split_device("Router\nterbakar petir"), ("Router".into(), "terbakar petir".into()));
        assert_eq!(split_device("Access point rusak"), ("Access point rusak".into(), "Access point rusak".into()));
    }
}
