//! Validation of calendar configs and holiday files, and the shipped files.

use chrono::NaiveDate;

use super::tests::shipped_holidays;
use super::*;

fn with_monday(hours: &[&str]) -> CalendarConfig {
    let mut config = CalendarConfig::default();
    config.hours.mon = hours.iter().map(|s| (*s).to_string()).collect();
    config
}

fn build(config: &CalendarConfig) -> Result<BusinessCalendar, CalendarError> {
    BusinessCalendar::new(config, &[])
}

#[test]
fn the_default_config_is_valid() {
    assert!(build(&CalendarConfig::default()).is_ok());
}

#[test]
fn an_unknown_time_zone_is_rejected_by_name() {
    let config = CalendarConfig { timezone: "Asia/Bandung".to_string(), ..CalendarConfig::default() };
    let err = build(&config).expect_err("bad zone");
    assert_eq!(err, CalendarError::UnknownTimezone("Asia/Bandung".to_string()));
    assert!(err.to_string().contains("\"Asia/Bandung\""));
}

#[test]
fn an_interval_without_minutes_is_rejected() {
    let err = build(&with_monday(&["8-12"])).expect_err("bad format");
    assert_eq!(err, CalendarError::BadInterval { day: "mon", text: "8-12".to_string() });
    assert!(err.to_string().contains("\"8-12\" on mon"), "{err}");
    for text in ["08:00", "08:00-", "08.00-12.00", "08:00-25:00", "abc"] {
        assert!(matches!(build(&with_monday(&[text])), Err(CalendarError::BadInterval { .. })), "{text}");
    }
}

#[test]
fn an_interval_ending_before_it_starts_is_rejected() {
    let err = build(&with_monday(&["12:00-08:00"])).expect_err("reversed");
    assert_eq!(err, CalendarError::EmptyInterval { day: "mon", text: "12:00-08:00".to_string() });
    assert!(matches!(build(&with_monday(&["08:00-08:00"])), Err(CalendarError::EmptyInterval { .. })));
}

#[test]
fn overlapping_or_unsorted_intervals_are_rejected() {
    let err = build(&with_monday(&["08:00-12:00", "11:30-15:00"])).expect_err("overlap");
    assert_eq!(
        err,
        CalendarError::OverlappingIntervals {
            day: "mon",
            first: "08:00-12:00".to_string(),
            second: "11:30-15:00".to_string()
        }
    );
    assert!(matches!(
        build(&with_monday(&["12:30-15:45", "08:00-12:00"])),
        Err(CalendarError::OverlappingIntervals { .. })
    ));
}

#[test]
fn a_week_without_any_hours_is_rejected() {
    let config = CalendarConfig { hours: WeeklyHoursConfig::default(), ..CalendarConfig::default() };
    assert_eq!(build(&config).expect_err("no hours"), CalendarError::NoOpeningHours);
}

#[test]
fn a_calendar_table_parses_from_sop_toml_with_defaults_and_native_dates() {
    #[derive(serde::Deserialize)]
    struct Sop {
        calendar: CalendarConfig,
    }
    let text = r#"
        [calendar]
        holidays = ["indonesia-2026"]
        extra_closed_days = [2026-12-31, "2026-06-22"]
        [calendar.hours]
        mon = ["07:30-16:00"]
        fri = ["07:30-11:30"]
    "#;
    let sop: Sop = toml::from_str(text).expect("parses");
    let config = sop.calendar;
    assert_eq!(config.timezone, "Asia/Jakarta");
    assert_eq!(config.holidays, ["indonesia-2026"]);
    assert_eq!(
        config.extra_closed_days,
        [NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"), NaiveDate::from_ymd_opt(2026, 6, 22).expect("date")]
    );
    assert!(config.hours.tue.is_empty());
    assert!(build(&config).is_ok());
}

#[test]
fn a_calendar_table_with_a_misspelt_key_is_rejected() {
    let text = "timezone = \"Asia/Jakarta\"\n[hours]\nmonday = [\"08:00-12:00\"]\n";
    assert!(toml::from_str::<CalendarConfig>(text).is_err());
    assert!(toml::from_str::<CalendarConfig>("timezone = \"Asia/Jakarta\"").is_err());
}

#[test]
fn the_default_config_round_trips_through_toml() {
    let text = toml::to_string(&CalendarConfig::default()).expect("serializes");
    let back: CalendarConfig = toml::from_str(&text).expect("parses back");
    assert_eq!(back.hours, CalendarConfig::default().hours);
    assert_eq!(back.holidays, ["indonesia-2026", "indonesia-2027"]);
}

#[test]
fn both_shipped_holiday_files_parse() {
    let files = shipped_holidays();
    let [y2026, y2027] = files.as_slice() else {
        panic!("two files expected");
    };
    assert_eq!((y2026.country.as_str(), y2026.year), ("ID", 2026));
    assert!(y2026.source.contains("1497 Tahun 2025"));
    let count = |kind| y2026.holidays.iter().filter(|h| h.kind == kind).count();
    // SKB 2026: 17 libur nasional and 8 cuti bersama.
    assert_eq!((count(HolidayKind::National), count(HolidayKind::CutiBersama)), (17, 8));
    assert_eq!(y2026.holidays[0].name, "Tahun Baru 2026 Masehi");
    assert_eq!(y2027.year, 2027);
    assert!(!y2027.holidays.is_empty());
}

#[test]
fn a_holiday_file_with_a_date_outside_its_year_is_rejected() {
    let text = r#"
        country = "ID"
        year = 2026
        source = "test"
        [[holiday]]
        date = 2025-12-25
        name = "Kelahiran Yesus Kristus"
        kind = "national"
    "#;
    let err = HolidayFile::parse(text).expect_err("wrong year");
    assert_eq!(
        err,
        CalendarError::HolidayOutsideYear {
            date: NaiveDate::from_ymd_opt(2025, 12, 25).expect("date"),
            name: "Kelahiran Yesus Kristus".to_string(),
            year: 2026
        }
    );
    assert!(err.to_string().contains("2025-12-25"), "{err}");
}

#[test]
fn a_holiday_file_with_an_unknown_kind_or_field_is_rejected() {
    let base = "country = \"ID\"\nyear = 2026\nsource = \"x\"\n[[holiday]]\ndate = 2026-01-01\nname = \"x\"\n";
    assert!(HolidayFile::parse(&format!("{base}kind = \"national\"")).is_ok());
    assert!(matches!(HolidayFile::parse(&format!("{base}kind = \"festive\"")), Err(CalendarError::HolidayFile(_))));
    assert!(matches!(
        HolidayFile::parse(&format!("{base}kind = \"local\"\nnote = \"x\"")),
        Err(CalendarError::HolidayFile(_))
    ));
    assert!(matches!(
        HolidayFile::parse(&base.replace("2026-01-01", "2026-01-01T08:00:00")),
        Err(CalendarError::HolidayFile(_))
    ));
}
