//! Complaints about the service left unanswered past the configured number of working days
//! go to the head of office (Kadis), once, with the complaint's text.

use chrono::{DateTime, Utc};
use rust_i18n::t;
use sea_orm::TransactionTrait;

use super::PassReport;
use crate::domain::calendar::Limit;
use crate::domain::role::Role;
use crate::i18n;
use crate::outbound::{OutboundMessage, kind};
use crate::service::{Helpdesk, ServiceError};
use crate::store::complaints;
use crate::store::outbox::{self, NewOutbound};
use crate::store::people::{self, Orgs};

pub(super) async fn escalate_due(
    desk: &Helpdesk,
    now: DateTime<Utc>,
    report: &mut PassReport,
) -> Result<(), ServiceError> {
    let calendar = &desk.sop().calendar;
    let waiting = complaints::waiting(desk.db()).await?;
    let due: Vec<_> = waiting
        .into_iter()
        .filter(|c| calendar.due(c.created_at, Limit::BusinessDays(desk.complaint_days())) <= now)
        .collect();
    if due.is_empty() {
        return Ok(());
    }
    let tz = calendar.timezone();
    let txn = desk.db().begin().await?;
    let heads = people::holders_of_any(&txn, &[Role::Kadis], &mut Orgs::default()).await?;
    let mut messages = Vec::new();
    for complaint in due {
        if !complaints::mark_escalated(&txn, complaint.id, now).await? {
            continue;
        }
        for head in heads.iter().filter(|h| h.active) {
            let Some((channel, address)) = head.contact() else { continue };
            let locale = i18n::locale(&head.locale);
            let text = t!(
                "complaint.escalated",
                locale = locale,
                id = complaint.id,
                since = i18n::datetime(locale, complaint.created_at, tz),
                text = complaint.text
            );
            messages.push(NewOutbound {
                person_id: Some(head.id),
                channel,
                address: address.to_owned(),
                ticket_id: complaint.ticket_id,
                kind: kind::COMPLAINT,
                message: OutboundMessage::text(text),
            });
        }
        report.escalations += 1;
    }
    report.messages += messages.len();
    outbox::enqueue(&txn, messages, now).await?;
    txn.commit().await?;
    Ok(())
}
