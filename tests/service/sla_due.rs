//! The SLA pass with more open tickets than SQLite takes variables in one statement (32,766):
//! it reads the tickets due in batches, so reminders and escalations still go out, and a
//! ticket whose next reminder is hours away is not read again until then.

use sigap::outbound::kind;
use sigap::service::SlaWorker;
use sigap::store::tickets;

use crate::helpers::{at_the_field_visit, rows_for, spawn, wib};

const MANY: u32 = 33_000;

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
