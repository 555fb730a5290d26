//! Office hours seen through the service: a report just before the short Friday closes is
//! due on Monday morning, on the ticket's SLA and on the helpdesk's card alike.

use sigap::domain::calendar::Limit;

use crate::helpers::{message, rows_for, spawn, wib};

#[tokio::test]
async fn a_report_five_minutes_before_friday_closing_is_due_monday_at_eight_oh_five() {
    let t = spawn("kudus").await;
    t.clock.set(wib("2026-11-27 10:55"));

    let id = t.report().await.ticket_id;

    // 10 business minutes: 10:55-11:00 on Friday, then 08:00-08:05 on Monday.
    let details = t.details(id).await;
    let current = details.sla.current().unwrap();
    assert_eq!(current.step, "terima");
    assert_eq!(current.limit, Some(Limit::BusinessMinutes(10)));
    assert_eq!(current.due, Some(wib("2026-11-30 08:05")));
    assert!(!current.breached);
}

#[tokio::test]
async fn the_helpdesk_card_states_the_step_deadline_in_office_time() {
    let t = spawn("kudus").await;
    t.clock.set(wib("2026-11-27 10:55"));

    let id = t.report().await.ticket_id;

    let rows = t.outbox(id).await;
    let card = message(rows_for(&rows, &t.people.helpdesk, "card")[0]);
    assert!(card.text.contains("Batas tahap ini: Senin, 30 November 2026 08:05 WIB"), "{}", card.text);
}

#[tokio::test]
async fn a_step_left_after_its_deadline_is_reported_as_breached() {
    let t = spawn("kudus").await;
    t.clock.set(wib("2026-11-27 10:55"));
    let id = t.report().await.ticket_id;
    t.clock.set(wib("2026-11-30 08:06"));

    t.press(&t.people.helpdesk, id, sigap::domain::sop::ActionKind::Forward).ok().await;

    let details = t.details(id).await;
    let terima = &details.sla.visits[0];
    assert_eq!((terima.step.as_str(), terima.left_at), ("terima", Some(wib("2026-11-30 08:06"))));
    assert!(terima.breached);
    assert!(!details.sla.visits[1].breached);
}
