//! The complaint log as a table an office files: the same rows to CSV (for any tool) and
//! to an XLSX workbook (numbers stay numbers, so officials can sum and filter), with the
//! headers in the reader's language.

use std::io::Write;
use std::path::Path;

use chrono_tz::Tz;
use rust_i18n::t;

use crate::i18n;
use crate::service::LogRow;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One row per ticket; after the ticket's own columns, four per SOP step.
pub fn log_table(log: &[LogRow], step_names: &[String], locale: &str, tz: Tz) -> Table {
    let col = |key: &str| t!(format!("report.col_{key}"), locale = locale).into_owned();
    let mut headers: Vec<String> = [
        "number",
        "received",
        "org",
        "reporter",
        "location",
        "category",
        "priority",
        "status",
        "ended",
        "working",
        "breached",
        "reopened",
        "technicians",
        "rating",
    ]
    .iter()
    .map(|k| col(k))
    .collect();
    for name in step_names {
        for key in ["step_actor", "step_minutes", "step_limit", "step_late"] {
            headers.push(t!(format!("report.col_{key}"), locale = locale, step = name).into_owned());
        }
    }
    // Gangguan massal last, so the step columns keep their places in existing workbooks.
    headers.push(col("parent"));
    headers.push(col("linked"));
    let yes_no = |b: bool| Cell::Text(t!(if b { "report.yes" } else { "report.no" }, locale = locale).into_owned());
    let time =
        |at: chrono::DateTime<chrono::Utc>| Cell::Text(at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string());
    let rows = log
        .iter()
        .map(|row| {
            let mut cells = vec![
                Cell::Text(row.number.clone()),
                time(row.received_at),
                Cell::Text(row.org.clone()),
                Cell::Text(row.reporter.clone()),
                Cell::Text(row.location.clone()),
                Cell::Text(i18n::category(locale, row.category)),
                Cell::Text(i18n::priority(locale, row.priority)),
                Cell::Text(i18n::status(locale, row.status)),
                row.ended_at.map_or(Cell::Empty, time),
                Cell::Number(row.working_minutes as f64),
                yes_no(row.breached),
                yes_no(row.reopened),
                Cell::Text(row.technicians.join(", ")),
                row.rating().map_or(Cell::Empty, |ikm| Cell::Number((ikm.index * 100.0).round() / 100.0)),
            ];
            for step in &row.steps {
                let visited = step.minutes.is_some();
                cells.push(if step.actors.is_empty() { Cell::Empty } else { Cell::Text(step.actors.join(", ")) });
                cells.push(step.minutes.map_or(Cell::Empty, |m| Cell::Number(m as f64)));
                cells.push(Cell::Text(i18n::limit(locale, step.limit)));
                cells.push(if visited { yes_no(step.breached) } else { Cell::Empty });
            }
            cells.push(row.parent.clone().map_or(Cell::Empty, Cell::Text));
            cells.push(if row.linked.is_empty() { Cell::Empty } else { Cell::Text(row.linked.join(", ")) });
            cells
        })
        .collect();
    Table { headers, rows }
}

pub fn write_csv(table: &Table, out: impl Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(&table.headers)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(|cell| match cell {
            Cell::Text(text) => text.clone(),
            Cell::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
            Cell::Number(n) => n.to_string(),
            Cell::Empty => String::new(),
        }))?;
    }
    writer.flush()?;
    Ok(())
}

pub fn write_xlsx(table: &Table, sheet_name: &str, path: &Path) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold().set_text_wrap();
    for (c, header) in table.headers.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, c, header, &bold)?;
        sheet.set_column_width(c, 18)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(r, c, text)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n)?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 1)?;
    workbook.save(path)
}
