//! Finding and loading an office's SOP and its holiday files. A name (`kudus`) is looked up
//! in `config/sop/` and then among the presets built into the binary, so a bare install
//! works; a path is read as given.

use std::path::{Path, PathBuf};

use crate::domain::calendar::{BusinessCalendar, CalendarError, HolidayFile};
use crate::domain::sop::{Sop, SopError};

const PRESETS: &[(&str, &str)] = &[
    ("kudus", include_str!("../config/sop/kudus.toml")),
    ("kediri", include_str!("../config/sop/kediri.toml")),
    ("pekalongan", include_str!("../config/sop/pekalongan.toml")),
    ("tebing-tinggi", include_str!("../config/sop/tebing-tinggi.toml")),
];

const HOLIDAYS: &[(&str, &str)] = &[
    ("indonesia-2026", include_str!("../config/calendar/indonesia-2026.toml")),
    ("indonesia-2027", include_str!("../config/calendar/indonesia-2027.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("SOP `{0}` not found: not a file, and not one of the presets (kudus, kediri, pekalongan, tebing-tinggi)")]
    UnknownSop(String),
    #[error("holiday file `{0}` not found in config/calendar/ nor built in")]
    UnknownHolidays(String),
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{origin}: {source}")]
    Sop { origin: String, source: SopError },
    #[error("{origin}: {source}")]
    Calendar { origin: String, source: CalendarError },
}

/// An SOP ready to run: validated, with its calendar built.
#[derive(Debug, Clone)]
pub struct LoadedSop {
    pub sop: Sop,
    pub calendar: BusinessCalendar,
    /// Where it came from, for messages: a path or `preset kudus`.
    pub origin: String,
}

pub fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(name, _)| *name)
}

/// Load the SOP named by `SIGAP_SOP`: a path, a file in `config_dir/sop/`, or a preset.
pub fn load_sop(spec: &str, config_dir: &Path) -> Result<LoadedSop, ConfigError> {
    let (text, origin) = read_named(spec, &config_dir.join("sop"), PRESETS)
        .ok_or_else(|| ConfigError::UnknownSop(spec.to_owned()))??;
    build(&text, origin, config_dir)
}

/// Load an SOP from the text of a file, resolving its holiday names against `config_dir`.
pub fn build(text: &str, origin: String, config_dir: &Path) -> Result<LoadedSop, ConfigError> {
    let sop = Sop::parse(text).map_err(|source| ConfigError::Sop { origin: origin.clone(), source })?;
    let mut files = Vec::new();
    for name in &sop.calendar.holidays {
        let (text, file_origin) = read_named(name, &config_dir.join("calendar"), HOLIDAYS)
            .ok_or_else(|| ConfigError::UnknownHolidays(name.clone()))??;
        let file = HolidayFile::parse(&text).map_err(|source| ConfigError::Calendar { origin: file_origin, source })?;
        files.push(file);
    }
    let calendar = BusinessCalendar::new(&sop.calendar, &files)
        .map_err(|source| ConfigError::Calendar { origin: origin.clone(), source })?;
    Ok(LoadedSop { sop, calendar, origin })
}

/// `Some(Ok(text, origin))` when found, `None` when nothing by that name exists.
fn read_named(spec: &str, dir: &Path, builtin: &[(&str, &str)]) -> Option<Result<(String, String), ConfigError>> {
    let as_path = Path::new(spec);
    let candidates = [as_path.to_path_buf(), dir.join(format!("{spec}.toml"))];
    let looks_like_path = spec.ends_with(".toml") || spec.contains(std::path::MAIN_SEPARATOR);
    if let Some(path) = candidates.iter().find(|p| p.is_file()) {
        return Some(
            std::fs::read_to_string(path)
                .map(|text| (text, path.display().to_string()))
                .map_err(|source| ConfigError::Read { path: path.clone(), source }),
        );
    }
    if looks_like_path {
        return None;
    }
    builtin
        .iter()
        .find(|(name, _)| *name == spec)
        .map(|(name, text)| Ok(((*text).to_owned(), format!("preset {name}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_loads_with_its_calendar_without_a_config_dir() {
        for name in preset_names() {
            let loaded = load_sop(name, Path::new("/nonexistent")).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(loaded.sop.id(), name);
        }
    }

    #[test]
    fn an_unknown_sop_name_says_which_presets_exist() {
        let err = load_sop("surabaya", Path::new("/nonexistent")).unwrap_err().to_string();
        assert!(err.contains("surabaya") && err.contains("kudus"), "{err}");
    }

    #[test]
    fn a_file_path_wins_over_presets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.toml");
        let text = include_str!("../config/sop/kudus.toml").replace("id = \"kudus\"", "id = \"mine\"");
        std::fs::write(&path, text).unwrap();
        let loaded = load_sop(path.to_str().unwrap(), Path::new("/nonexistent")).unwrap();
        assert_eq!(loaded.sop.id(), "mine");
    }
}
