//! Downloads of the records from the console: the complaint log and the quarter's statistics
//! as CSV, XLSX or PDF. Every download goes through [`Helpdesk::download`], so who took which
//! people's data, and when, has one place to be recorded. The log is read a page at a time:
//! CSV leaves as each page is written; the XLSX workbook is written to a file under
//! `DATA_DIR/tmp` (its rows in constant memory) and streamed from there; the PDF, which is
//! built in memory, lists at most [`PDF_ROWS`] tickets.

use std::pin::Pin;

use chrono::NaiveDate;
use futures_util::Stream;
use rust_i18n::t;
use tokio::io::AsyncReadExt;

use super::dashboard::ViewError;
use super::sign_in::{ConsoleUser, Reach};
use super::{Helpdesk, ServiceError};
use crate::export;

/// The log's tickets a PDF lists; the CSV and XLSX have them all.
pub const PDF_ROWS: usize = 1_000;
/// The ticket's own columns of the log (before the per-step ones), what a PDF line shows.
const OWN_COLUMNS: usize = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Records {
    Log,
    Stats,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Pdf,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Pdf => "application/pdf",
        }
    }
}

/// How long the charts' figures of a period are reused: the dashboard shows two charts of
/// the quarter's statistics, and reading a quarter's log for every view of every official
/// would cost with the quarter's tickets, not with the work waiting.
pub const CHART_MINUTES: i64 = 10;

/// The statistics of a period and when they were read.
#[derive(Debug, Clone)]
pub struct Charted {
    from: NaiveDate,
    to: NaiveDate,
    at: chrono::DateTime<chrono::Utc>,
    stats: std::sync::Arc<super::Stats>,
}

pub type Chunks = Pin<Box<dyn Stream<Item = Result<Vec<u8>, std::io::Error>> + Send>>;

/// A file to send: its name, type and contents as they are produced.
pub struct Download {
    pub file_name: String,
    pub format: Format,
    pub body: Chunks,
}

fn once(bytes: Vec<u8>) -> Chunks {
    Box::pin(futures_util::stream::iter([Ok(bytes)]))
}

fn io(err: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(err.to_string())
}

impl Helpdesk {
    /// The statistics of `from`..=`to` for the charts: read at most once per
    /// [`CHART_MINUTES`] (the records page reads them fresh and leaves them here).
    pub async fn chart_stats(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        fresh: bool,
    ) -> Result<std::sync::Arc<super::Stats>, ServiceError> {
        // Held while reading: charts asked for at once wait for one reading instead of each doing it.
        let mut charted = self.charted.lock().await;
        let now = self.clock.now();
        if let Some(c) = charted
            .as_ref()
            .filter(|c| !fresh && c.from == from && c.to == to && now - c.at < chrono::Duration::minutes(CHART_MINUTES))
        {
            return Ok(c.stats.clone());
        }
        let stats = std::sync::Arc::new(self.stats(from, to).await?);
        *charted = Some(Charted { from, to, at: now, stats: stats.clone() });
        Ok(stats)
    }

    /// `records` of the tickets received from `from` to `to` (inclusive) for `viewer`, who must
    /// see the whole office's tickets; texts in `locale`.
    #[tracing::instrument(skip_all, fields(viewer = viewer.person.id, ?records, ?format, %from, %to))]
    pub async fn download(
        &self,
        viewer: &ConsoleUser,
        records: Records,
        format: Format,
        from: NaiveDate,
        to: NaiveDate,
        locale: &str,
    ) -> Result<Download, ViewError> {
        if viewer.reach != Reach::Office {
            return Err(ViewError::Forbidden);
        }
        let locale = crate::i18n::locale(locale);
        let stem = match records {
            Records::Log => t!("web.file_log", locale = locale),
            Records::Stats => t!("web.file_stats", locale = locale),
        };
        let file_name = format!("{stem}-{from}-{to}.{}", format.extension());
        let body = match records {
            Records::Log => self.log_download(format, from, to, locale).await?,
            Records::Stats => self.stats_download(format, from, to, locale).await?,
        };
        tracing::info!(file = %file_name, "records downloaded");
        Ok(Download { file_name, format, body })
    }

    async fn log_download(
        &self,
        format: Format,
        from: NaiveDate,
        to: NaiveDate,
        locale: &'static str,
    ) -> Result<Chunks, ServiceError> {
        let steps: Vec<String> = self.sop.sop.steps.iter().map(|s| s.display_name(locale).to_owned()).collect();
        let headers = export::log_headers(&steps, locale);
        let tz = self.sop.calendar.timezone();
        let mut pages = self.complaint_log_pages(from, to)?;
        match format {
            Format::Csv => {
                let state = Some((pages, Some(headers)));
                Ok(Box::pin(futures_util::stream::unfold(state, move |state| async move {
                    let (mut pages, headers) = state?;
                    match pages.next().await {
                        Ok(Some(page)) => {
                            let rows = export::log_rows(&page, locale, tz);
                            let bytes = export::csv_bytes(headers.as_deref(), &rows).map_err(io);
                            Some((bytes, Some((pages, None))))
                        }
                        // An empty log still has its header row.
                        Ok(None) => headers.map(|h| (export::csv_bytes(Some(&h), &[]).map_err(io), None)),
                        Err(err) => {
                            tracing::error!(%err, "reading the log for a download");
                            Some((Err(io(err)), None))
                        }
                    }
                })))
            }
            Format::Xlsx => {
                let dir = self.data_dir.join("tmp");
                tokio::fs::create_dir_all(&dir).await?;
                let sheet = t!("report.sheet_log", locale = locale);
                let failed = |e: rust_xlsxwriter::XlsxError| ServiceError::Io(io(e));
                let mut xlsx = export::XlsxLog::new_in(&sheet, &headers, Some(&dir)).map_err(failed)?;
                while let Some(page) = pages.next().await? {
                    xlsx.write(&export::log_rows(&page, locale, tz)).map_err(failed)?;
                }
                self.send_workbook(xlsx).await
            }
            Format::Pdf => {
                let mut lines = Vec::new();
                let own = &headers[..OWN_COLUMNS.min(headers.len())];
                while let Some(page) = pages.next().await? {
                    for row in export::log_rows(&page, locale, tz) {
                        if lines.len() == PDF_ROWS {
                            lines.push(t!("web.pdf_cut", locale = locale, rows = PDF_ROWS).into_owned());
                            break;
                        }
                        lines.push(export::row_line(own, &row[..OWN_COLUMNS.min(row.len())]));
                    }
                    if lines.len() > PDF_ROWS {
                        break;
                    }
                }
                let title = t!("web.log_title", locale = locale);
                let period = t!("web.period", locale = locale, from = from, to = to);
                Ok(once(crate::documents::listing(&title, &period, &lines, &self.letterhead)))
            }
        }
    }

    async fn stats_download(
        &self,
        format: Format,
        from: NaiveDate,
        to: NaiveDate,
        locale: &'static str,
    ) -> Result<Chunks, ServiceError> {
        let stats = self.stats(from, to).await?;
        let table = export::stats_table(&stats, locale);
        match format {
            Format::Csv => Ok(once(export::csv_bytes(Some(&table.headers), &table.rows).map_err(io)?)),
            Format::Xlsx => {
                let dir = self.data_dir.join("tmp");
                tokio::fs::create_dir_all(&dir).await?;
                let sheet = t!("web.sheet_stats", locale = locale);
                let failed = |e: rust_xlsxwriter::XlsxError| ServiceError::Io(io(e));
                let mut xlsx = export::XlsxLog::new_in(&sheet, &table.headers, Some(&dir)).map_err(failed)?;
                xlsx.write(&table.rows).map_err(failed)?;
                self.send_workbook(xlsx).await
            }
            Format::Pdf => {
                let lines: Vec<String> = table.rows.iter().map(|row| export::row_line(&table.headers, row)).collect();
                let title = t!("web.stats_title", locale = locale);
                let period = t!("web.period", locale = locale, from = from, to = to);
                Ok(once(crate::documents::listing(&title, &period, &lines, &self.letterhead)))
            }
        }
    }

    /// Save the workbook under `DATA_DIR/tmp`, open it and remove its name at once: the open
    /// file is read to the end and nothing is left behind, even if the browser goes away.
    async fn send_workbook(&self, xlsx: export::XlsxLog) -> Result<Chunks, ServiceError> {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).map_err(io)?;
        let path = self.data_dir.join("tmp").join(format!("{}.xlsx", hex::encode(bytes)));
        let target = path.clone();
        let saved = tokio::task::spawn_blocking(move || xlsx.save(&target)).await.map_err(io)?;
        if let Err(err) = saved {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(ServiceError::Io(io(err)));
        }
        let file = tokio::fs::File::open(&path).await;
        let _ = tokio::fs::remove_file(&path).await;
        let file = file?;
        Ok(Box::pin(futures_util::stream::unfold(Some(file), |file| async move {
            let mut file = file?;
            let mut buf = vec![0u8; 64 * 1024];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(buf), Some(file)))
                }
                Err(err) => Some((Err(err), None)),
            }
        })))
    }
}
