//! `sigap opd import FILE.csv`: the office's list of OPDs and villages. The whole file is
//! checked first; one bad line means nothing is imported, and the message names the line.

use std::path::Path;

use chrono::Utc;
use rust_i18n::t;

use super::{CliError, connect};
use crate::settings::Settings;
use crate::store::directory::{self, NewOrg};

pub async fn import(file: &Path, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let text = std::fs::read_to_string(file).map_err(|e| CliError::new(locale, format!("{}: {e}", file.display())))?;
    let rows = parse(&text).map_err(|e| CliError::new(locale, format!("{}: {e}", file.display())))?;
    let db = connect(settings).await?;
    let summary = directory::import_orgs(&db, &rows, Utc::now()).await.map_err(|e| CliError::new(locale, e))?;
    println!(
        "{}",
        t!("cli.opd_imported", locale = locale, count = rows.len(), new = summary.created, updated = summary.updated)
    );
    Ok(())
}

/// Parse `code,name,kind` rows after a header (the console's import reads the same).
pub fn parse(text: &str) -> Result<Vec<NewOrg>, String> {
    crate::service::parse_orgs(text)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_well_formed_file_gives_upper_case_codes() {
        let rows = parse("code,name,kind\ndinkes,Dinas Kesehatan,opd\nDS-01, Desa Jati ,DESA\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].code, "DINKES");
        assert_eq!(rows[1].name, "Desa Jati");
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let cases = [
            ("name,code,kind\nA,B,opd\n", "line 1"),
            ("code,name,kind\nA,Dinas,opd\nB,,opd\n", "line 3: `name`"),
            ("code,name,kind\nA,Dinas,kantor\n", "line 2: `kind`"),
            ("code,name,kind\nA B,Dinas,opd\n", "line 2: `code`"),
            ("code,name,kind\nA,Dinas,opd\na,Lagi,opd\n", "already on line 2"),
            ("code,name,kind\n", "no rows"),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text:?} → {err}");
        }
    }
}
