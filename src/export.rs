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
    Table { headers: log_headers(step_names, locale), rows: log_rows(log, locale, tz) }
}

/// The log's column headers in `locale`.
pub fn log_headers(step_names: &[String], locale: &str) -> Vec<String> {
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
    headers.push(col("down"));
    headers
}

/// The cells of `log`'s rows, in the order of [`log_headers`].
pub fn log_rows(log: &[LogRow], locale: &str, tz: Tz) -> Vec<Vec<Cell>> {
    let yes_no = |b: bool| Cell::Text(t!(if b { "report.yes" } else { "report.no" }, locale = locale).into_owned());
    let time =
        |at: chrono::DateTime<chrono::Utc>| Cell::Text(at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string());
    log.iter()
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
            cells.push(row.down_minutes.map_or(Cell::Empty, |m| Cell::Number(m as f64)));
            cells
        })
        .collect()
}

/// The table as CSV. Text cells that a spreadsheet would take for a formula are written as
/// text (see [`csv_text`]); numbers stay numbers.
pub fn write_csv(table: &Table, out: impl Write) -> Result<(), csv::Error> {
    let mut writer = CsvLog::new(out, &table.headers)?;
    writer.write(&table.rows)?;
    writer.finish()
}

/// A text cell as a spreadsheet opens it as text: one that begins with `=`, `+`, `-`, `@`, a
/// tab or a carriage return would run as a formula (`=HYPERLINK(…)` sending the sheet's data
/// away, `@SUM(…)`), so it is prefixed with a single quote, as OWASP advises for CSV injection.
/// The log's own "-" for a missing value is no formula and stays as it is.
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text != "-" && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

pub fn write_xlsx(table: &Table, sheet_name: &str, path: &Path) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut writer = XlsxLog::new(sheet_name, &table.headers)?;
    writer.write(&table.rows)?;
    writer.save(path)
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => csv_text(text).into_owned(),
        Cell::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
        Cell::Number(n) => n.to_string(),
        Cell::Empty => String::new(),
    }
}

/// `rows` as CSV (after `headers` when given): one piece of a download sent page by page.
pub fn csv_bytes(headers: Option<&[String]>, rows: &[Vec<Cell>]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if let Some(headers) = headers {
        writer.write_record(headers)?;
    }
    for row in rows {
        writer.write_record(row.iter().map(cell_text))?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A row as one line of reading: each filled cell after its header.
pub fn row_line(headers: &[String], row: &[Cell]) -> String {
    headers
        .iter()
        .zip(row)
        .filter_map(|(header, cell)| match cell {
            Cell::Empty => None,
            cell => Some(format!("{header}: {}", cell_text(cell).trim_start_matches('\''))),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The quarter's figures as a table: one row per group (all, each technician, each
/// organisation) and one per SOP step (visits and those on time).
pub fn stats_table(stats: &crate::service::Stats, locale: &str) -> Table {
    let col = |key: &str| t!(format!("web.stats_col_{key}"), locale = locale).into_owned();
    let headers = ["section", "name", "count", "done", "median", "p90", "ikm"].iter().map(|k| col(k)).collect();
    let section = |key: &str| Cell::Text(t!(format!("web.stats_section_{key}"), locale = locale).into_owned());
    let opt = |v: Option<f64>| v.map_or(Cell::Empty, |v| Cell::Number(v.round()));
    let group = |key: &str, g: &crate::service::Group| {
        vec![
            section(key),
            Cell::Text(g.name.clone()),
            Cell::Number(g.tickets as f64),
            Cell::Number(g.resolved as f64),
            opt(g.median_minutes),
            opt(g.p90_minutes.map(|m| m as f64)),
            g.ikm.as_ref().map_or(Cell::Empty, |i| Cell::Number((i.index * 100.0).round() / 100.0)),
        ]
    };
    let mut rows = vec![group("all", &stats.overall)];
    rows.extend(stats.technicians.iter().map(|g| group("technician", g)));
    rows.extend(stats.organisations.iter().map(|g| group("org", g)));
    rows.extend(stats.steps.iter().map(|s| {
        vec![
            section("step"),
            Cell::Text(s.name.clone()),
            Cell::Number(s.visits as f64),
            Cell::Number(s.on_time as f64),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ]
    }));
    Table { headers, rows }
}

/// A CSV file written as the rows come: nothing but the current row is held.
pub struct CsvLog<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> CsvLog<W> {
    pub fn new(out: W, headers: &[String]) -> Result<Self, csv::Error> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(headers)?;
        Ok(CsvLog { writer })
    }

    pub fn write(&mut self, rows: &[Vec<Cell>]) -> Result<(), csv::Error> {
        for row in rows {
            self.writer.write_record(row.iter().map(cell_text))?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<(), csv::Error> {
        self.writer.flush()?;
        Ok(())
    }
}

/// An XLSX workbook written as the rows come: the sheet is in rust_xlsxwriter's constant
/// memory mode, which moves each finished row to a temporary file, so a year's log takes
/// the memory of one row.
pub struct XlsxLog {
    workbook: rust_xlsxwriter::Workbook,
    next_row: u32,
}

impl XlsxLog {
    pub fn new(sheet_name: &str, headers: &[String]) -> Result<Self, rust_xlsxwriter::XlsxError> {
        Self::new_in(sheet_name, headers, None)
    }

    /// [`XlsxLog::new`] keeping its row files in `tempdir` (the service's DATA_DIR, not the
    /// system's temporary directory, which may be small).
    pub fn new_in(
        sheet_name: &str,
        headers: &[String],
        tempdir: Option<&Path>,
    ) -> Result<Self, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut workbook = Workbook::new();
        if let Some(dir) = tempdir {
            workbook.set_tempdir(dir)?;
        }
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name(sheet_name)?;
        let bold = Format::new().set_bold().set_text_wrap();
        for (c, header) in headers.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, c, header, &bold)?;
            sheet.set_column_width(c, 18)?;
        }
        sheet.set_freeze_panes(1, 1)?;
        Ok(XlsxLog { workbook, next_row: 1 })
    }

    pub fn write(&mut self, rows: &[Vec<Cell>]) -> Result<(), rust_xlsxwriter::XlsxError> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        for row in rows {
            let r = self.next_row;
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
            self.next_row = self.next_row.saturating_add(1);
        }
        Ok(())
    }

    pub fn save(mut self, path: &Path) -> Result<(), rust_xlsxwriter::XlsxError> {
        self.workbook.save(path)
    }
}
