//! Retention: sent messages and processed update ids older than the days kept are deleted;
//! what the admin's views list, the messages of open tickets, and the tickets and their
//! events stay.

use chrono::Duration;

use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::Channel;
use sigap::service::{Pruned, Retention};
use sigap::store::outbox::{self, OutboxRow, TAKEN_OVER};

use crate::helpers::{TestDesk, monday_nine, spawn};

/// Send `row` as a sender would, with the platform's id `m<id>` and an optional note.
async fn sent(t: &TestDesk, row: &OutboxRow, note: Option<&str>) {
    let now = monday_nine();
    let claimed = outbox::claim(&t.db, row.id, now, now + Duration::minutes(1)).await.unwrap().unwrap();
    outbox::mark_sent_as(&t.db, &claimed, Channel::Telegram, &[format!("m{}", row.id)], note, now).await.unwrap();
}

#[tokio::test]
async fn old_sent_messages_and_update_ids_go_and_the_archive_and_admin_views_stay() {
    let t = spawn("kudus").await;
    let closed = t.report().await.ticket_id;
    t.press(&t.people.reporter, closed, ActionKind::Cancel).ok().await;
    let open = t.report().await.ticket_id;
    let closed_rows = t.outbox(closed).await;
    assert!(closed_rows.len() >= 3, "{closed_rows:?}");
    let (repeated, undelivered, rest) = (&closed_rows[0], &closed_rows[1], &closed_rows[2..]);
    sent(&t, repeated, Some(TAKEN_OVER)).await;
    let claimed = outbox::claim(&t.db, undelivered.id, monday_nine(), monday_nine()).await.unwrap().unwrap();
    outbox::fail(&t.db, undelivered.id, claimed.attempts, "chat not found").await.unwrap();
    for row in rest.iter().chain(&t.outbox(open).await) {
        sent(&t, row, None).await;
    }
    assert!(t.desk.first_time(Channel::Telegram, "update-1").await.unwrap());
    let events_before = (t.events(closed).await.len(), t.events(open).await.len());
    let retention = Retention::new(t.desk.clone(), 14);

    let early = retention.run_once(monday_nine() + Duration::days(13)).await.unwrap();
    assert_eq!(early, Pruned::default(), "nothing is older than 14 days yet");

    let pruned = retention.run_once(monday_nine() + Duration::days(15)).await.unwrap();

    assert_eq!(pruned, Pruned { outbox: rest.len() as u64, inbound: 1, web: 0 });
    let kept: Vec<i64> = t.outbox(closed).await.iter().map(|r| r.id).collect();
    assert_eq!(kept, [repeated.id, undelivered.id], "the rows of `outbox repeated` and `outbox failed`");
    assert_eq!(outbox::taken_over(&t.db, 10).await.unwrap()[0].id, repeated.id);
    assert_eq!(outbox::failed(&t.db, 10).await.unwrap()[0].id, undelivered.id);
    assert!(!t.outbox(open).await.is_empty(), "an open ticket keeps its cards");
    assert!(outbox::by_external_id(&t.db, Channel::Telegram, &format!("m{}", rest[0].id)).await.unwrap().is_none());
    assert_eq!((t.events(closed).await.len(), t.events(open).await.len()), events_before, "the archive stays");
    assert_eq!(t.ticket(closed).await.status, "cancelled");
    assert!(t.desk.first_time(Channel::Telegram, "update-1").await.unwrap(), "the old update id is forgotten");
}
