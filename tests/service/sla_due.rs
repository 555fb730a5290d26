//! The SLA pass with more open tickets than SQLite takes variables in one statement (32,766):
//! it reads the tickets due in batches, so reminders and escalations still go out, and a
//! ticket whose next reminder is hours away is not read again until then.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::TransactionTrait;

use sigap::domain::ticket::TicketNumber;
use sigap::outbound::kind;
use sigap::service::SlaWorker;
use sigap::store::entity::{ticket, ticket_event};
use sigap::store::tickets;

use crate::helpers::{TestDesk, rows_for, spawn, wib};

const MANY: u32 = 33_000;

/// `count` open tickets of last year's numbering, each at the 24-hour field visit since `at`
/// and due for a look (as the migration leaves the open tickets of an existing database).
async fn at_the_field_visit(t: &TestDesk, count: u32, at: DateTime<Utc>) {
    let txn = t.db.begin().await.unwrap();
    let rows = (1..=count)
        .map(|seq| {
            let number = TicketNumber { year: 2025, seq };
            ticket::ActiveModel {
                number: Set(number.to_string()),
                year: Set(number.year),
                seq: Set(i32::try_from(seq).unwrap()),
                sop_id: Set("kudus".into()),
                reporter_id: Set(t.people.reporter.id),
                org_id: Set(Some(t.org_id)),
                location: Set(Some("Gedung A".into())),
                category: Set("internet_down".into()),
                description: Set("Internet mati".into()),
                priority: Set(Some("normal".into())),
                srikandi_number: Set(None),
                step: Set("perbaikan_lapangan".into()),
                status: Set("open".into()),
                isp_eta: Set(None),
                version: Set(3),
                created_at: Set(at),
                updated_at: Set(at),
                ended_at: Set(None),
                next_sla_at: Set(Some(at)),
                ..Default::default()
            }
        })
        .collect();
    let ids = tickets::insert_many(&txn, rows).await.unwrap();
    let event = |ticket_id: i64, action: &str, from: Option<&str>, to: &str| ticket_event::ActiveModel {
        ticket_id: Set(ticket_id),
        actor_id: Set(None),
        actor_role: Set(None),
        channel: Set("telegram".into()),
        action: Set(action.into()),
        from_step: Set(from.map(str::to_owned)),
        to_step: Set(Some(to.into())),
        note: Set(None),
        data: Set(None),
        at: Set(at),
        ..Default::default()
    };
    let events = ids
        .iter()
        .flat_map(|&id| {
            [event(id, "report", None, "terima"), event(id, "field_visit", Some("terima"), "perbaikan_lapangan")]
        })
        .collect();
    tickets::append_events(&txn, events).await.unwrap();
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn reminders_and_escalations_go_out_with_more_open_tickets_than_sqlite_takes_variables() {
    let t = spawn("kudus").await;
    let created = t.report().await;
    at_the_field_visit(&t, MANY, wib("2026-11-23 09:00")).await;
    let w = SlaWorker::new(t.desk.clone());

    let first = w.run_pass(wib("2026-11-23 09:05")).await.unwrap();
    assert_eq!((first.reminders, first.escalations), (1, 0), "{first:?}");

    // Every ticket was looked at once; the field visits wait for 21:00 (half of 24 hours).
    let due = tickets::sla_due(&t.db, wib("2026-11-23 20:59"), 10).await.unwrap();
    assert_eq!(due.iter().map(|r| r.id).collect::<Vec<_>>(), [created.ticket_id]);
    let at_nine = tickets::sla_due(&t.db, wib("2026-11-23 21:00"), u64::from(MANY) + 10).await.unwrap();
    assert_eq!(at_nine.len(), MANY as usize + 1);

    let second = w.run_pass(wib("2026-11-23 09:08")).await.unwrap();
    assert_eq!((second.reminders, second.escalations), (1, 0), "the 80% reminder: {second:?}");
    let third = w.run_pass(wib("2026-11-23 09:11")).await.unwrap();
    assert_eq!(third.escalations, 1, "{third:?}");
    let rows = t.outbox(created.ticket_id).await;
    assert_eq!(rows_for(&rows, &t.people.helpdesk, kind::SLA_REMINDER).len(), 2);
    assert_eq!(rows_for(&rows, &t.people.kasi, kind::SLA_BREACH).len(), 1);
}
