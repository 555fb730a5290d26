//! `sigap opd import FILE.csv`: the office's list of OPDs and villages. The whole file is
//! checked first; one bad line means nothing is imported, and the message names the line.

use std::path::Path;

use chrono::Utc;
use rust_i18n::t;

use super::{CliError, connect};
use crate::settings::Settings;
use crate::store::directory::{self, NewOrg, OrgKind};

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

/// Parse `code,name,kind` rows after a header. Codes are stored upper-case.
pub fn parse(text: &str) -> Result<Vec<NewOrg>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| format!("line 1: {e}"))?.clone();
    let names: Vec<String> = headers.iter().map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    if names != ["code", "name", "kind"] {
        return Err(format!(
            "line 1: the header must be `code,name,kind`, found `{}`",
            headers.iter().collect::<Vec<_>>().join(",")
        ));
    }
    let mut rows: Vec<NewOrg> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(pos) => format!("line {}: {e}", pos.line()),
            None => e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let code = field(0).to_uppercase();
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!("line {line}: `code` must be letters, digits, '-' or '_', found `{}`", field(0)));
        }
        let name = field(1);
        if name.is_empty() {
            return Err(format!("line {line}: `name` is empty"));
        }
        let kind = match field(2).to_ascii_lowercase().as_str() {
            "opd" => OrgKind::Opd,
            "desa" => OrgKind::Desa,
            other => return Err(format!("line {line}: `kind` must be opd or desa, found `{other}`")),
        };
        if let Some(first) = seen.insert(code.clone(), line) {
            return Err(format!("line {line}: code `{code}` already on line {first}"));
        }
        rows.push(NewOrg { code, name: name.to_owned(), kind });
    }
    if rows.is_empty() {
        return Err("no rows after the header".into());
    }
    Ok(rows)
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
