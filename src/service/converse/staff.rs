//! What officials ask in chat besides their cards: the month's complaint log (`/laporan`)
//! and the text search of tickets (`/cari`).

use super::*;

impl Turn<'_> {
    pub(super) fn is_staff(&self) -> bool {
        self.person.as_ref().is_some_and(|p| p.roles.iter().any(|r| *r != Role::Reporter))
    }

    /// `/laporan`: the month's complaint log as a workbook, for officials.
    pub(super) async fn monthly(&mut self, period: &str) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        if !self.is_staff() {
            self.say(t!("chat.staff_only", locale = locale).into_owned());
            return Ok(Flow::Keep);
        }
        let tz = self.desk.sop.calendar.timezone();
        let today = self.now.with_timezone(&tz).date_naive();
        let (this_month, _) = records::month_of(today);
        let start = match period.trim().to_lowercase().as_str() {
            "" | "bulan-ini" | "this-month" => Some(this_month),
            "bulan-lalu" | "last-month" => this_month.checked_sub_months(chrono::Months::new(1)),
            other => chrono::NaiveDate::parse_from_str(&format!("{other}-01"), "%Y-%m-%d").ok(),
        };
        let Some(start) = start else {
            self.say(t!("chat.monthly_usage", locale = locale).into_owned());
            return Ok(Flow::Keep);
        };
        let (from, end) = records::month_of(start);
        let to = end.pred_opt().unwrap_or(end);
        let label = from.format("%Y-%m").to_string();
        let log = self.desk.complaint_log_on(self.txn, from, to).await?;
        if log.is_empty() {
            self.say(t!("chat.monthly_empty", locale = locale, period = label).into_owned());
            return Ok(Flow::Keep);
        }
        let steps: Vec<String> = self.desk.sop.sop.steps.iter().map(|s| s.display_name(locale).to_owned()).collect();
        let table = crate::export::log_table(&log, &steps, locale, tz);
        let name = format!("log-aduan-{label}-{}.xlsx", self.now.timestamp());
        let relative = std::path::Path::new("reports").join(&name);
        let full = self.desk.data_dir.join(&relative);
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let sheet = t!("report.sheet_log", locale = locale);
        crate::export::write_xlsx(&table, &sheet, &full).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let audit = crate::store::privacy::NewAudit {
            actor_id: self.person.as_ref().map(|p| p.id),
            channel: self.incoming.channel.as_str().to_owned(),
            action: crate::store::privacy::action::LOG_EXPORT,
            subject_id: None,
            ticket_id: None,
            detail: Some(format!("{label} rows={}", log.len())),
        };
        crate::store::privacy::audit(self.txn, audit, self.now).await?;
        let mut message = OutboundMessage::text(t!("chat.monthly", locale = locale, period = label, count = log.len()));
        message.files.push(crate::outbound::StoredFile {
            path: relative.to_string_lossy().into_owned(),
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            file_name: format!("log-aduan-{label}.xlsx"),
        });
        self.send(message);
        Ok(Flow::Keep)
    }

    pub(super) async fn search(&mut self, text: &str) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let staff = self.person.as_ref().is_some_and(|p| p.roles.iter().any(|r| *r != Role::Reporter));
        if !staff {
            self.say(t!("chat.staff_only", locale = locale).into_owned());
            return Ok(Flow::Keep);
        }
        let text = text.trim();
        if text.chars().count() < 2 {
            self.say(t!("chat.search_usage", locale = locale).into_owned());
            return Ok(Flow::Keep);
        }
        let found = tickets::search(self.txn, text, MAX_FOUND).await?;
        if found.is_empty() {
            self.say(t!("chat.search_none", locale = locale, query = text).into_owned());
            return Ok(Flow::Keep);
        }
        let mut out = t!("chat.search_title", locale = locale, query = text, count = found.len()).into_owned();
        for row in found {
            let status = row.status.parse().unwrap_or(crate::domain::ticket::TicketStatus::Open);
            let excerpt: String = row.description.chars().take(60).collect();
            out.push('\n');
            out.push_str(&t!(
                "chat.search_row",
                locale = locale,
                number = row.number,
                status = i18n::status(locale, status),
                excerpt = excerpt
            ));
        }
        self.say(out);
        Ok(Flow::Keep)
    }
}
