//! A complaint about the service left unanswered goes to the head of office once, after the
//! configured working days; an answered one does not.

use chrono::Duration;

use sigap::service::SlaWorker;
use sigap::store::complaints;

use crate::helpers::spawn;

#[tokio::test]
async fn an_unanswered_complaint_is_escalated_to_the_kadis_once_after_a_working_day() {
    let t = spawn("kudus").await;
    let now = t.desk.clock().now();
    let waiting = complaints::file(&t.db, t.people.reporter.id, None, "Tidak ada kabar", now).await.unwrap();
    let answered = complaints::file(&t.db, t.people.reporter.id, None, "Sudah dijawab", now).await.unwrap();
    complaints::answer(&t.db, answered.id, t.people.kadis.id, "Sudah ditangani", now).await.unwrap();
    let worker = SlaWorker::new(t.desk.clone());

    let early = worker.run_pass(now + Duration::hours(3)).await.unwrap();
    t.clock.advance(Duration::days(1) + Duration::hours(1));
    let due = worker.run_pass(t.desk.clock().now()).await.unwrap();
    let again = worker.run_pass(t.desk.clock().now() + Duration::hours(1)).await.unwrap();

    assert_eq!(early.escalations, 0);
    assert_eq!((due.escalations, again.escalations), (1, 0));
    let row = complaints::by_id(&t.db, waiting.id).await.unwrap().unwrap();
    assert!(row.escalated_at.is_some());
    let rows = sigap::store::outbox::pending(&t.db).await.unwrap();
    let to_heads: Vec<_> = rows.iter().filter(|r| r.kind == "complaint").collect();
    // Both of the office's Kadis accounts, about the waiting complaint only.
    assert_eq!(to_heads.len(), 2);
    assert!(to_heads.iter().all(|r| r.payload.contains(&format!("K-{}", waiting.id))));
    assert!(to_heads.iter().all(|r| r.payload.contains("Tidak ada kabar")));
}
