//! Guarantees the database itself keeps: the event log cannot be rewritten, and a photo sent
//! twice is stored once.

use sea_orm::ConnectionTrait;

use sigap::domain::sop::ActionKind;
use sigap::store::attachments;

use crate::helpers::{photo, spawn};

#[tokio::test]
async fn updating_an_event_is_refused_by_the_database() {
    let t = spawn("kudus").await;
    let id = t.report().await.ticket_id;
    let before = t.events(id).await;

    let result = t.db.execute_unprepared("UPDATE ticket_events SET note = 'diubah'").await;

    assert!(result.is_err(), "UPDATE on ticket_events succeeded");
    assert_eq!(t.events(id).await, before);
}

#[tokio::test]
async fn deleting_an_event_is_refused_by_the_database() {
    let t = spawn("kudus").await;
    let id = t.report().await.ticket_id;
    let before = t.events(id).await;

    let result = t.db.execute_unprepared("DELETE FROM ticket_events").await;

    assert!(result.is_err(), "DELETE on ticket_events succeeded");
    assert_eq!(t.events(id).await, before);
}

/// SQLite has no TRUNCATE (its DELETE is covered above); PostgreSQL needs its own trigger.
#[tokio::test]
async fn truncating_the_event_log_is_refused_on_postgresql() {
    let t = spawn("kudus").await;
    if t.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let id = t.report().await.ticket_id;

    let result = t.db.execute_unprepared("TRUNCATE ticket_events CASCADE").await;

    assert!(result.is_err(), "TRUNCATE on ticket_events succeeded");
    assert_eq!(t.events(id).await.len(), 1);
}

#[tokio::test]
async fn the_same_photo_sent_twice_is_one_file_linked_to_each_event() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report_with(vec![photo(b"jpeg: modem mati")]).await.ticket_id;

    t.press(&p.reporter, id, ActionKind::ProvideInfo).note("Foto yang sama").photo(b"jpeg: modem mati").ok().await;

    let rows = attachments::for_ticket(&t.db, id).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[0].event_id, rows[1].event_id);
    assert_eq!(rows[0].stored_path, rows[1].stored_path);
    let files = std::fs::read_dir(t.data_dir().join("attachments").join(&rows[0].sha256[..2])).unwrap().count();
    assert_eq!(files, 1);
    assert_eq!(t.events(id).await.len(), 2);
}

#[tokio::test]
async fn the_same_photo_on_two_tickets_is_recorded_on_each_but_kept_as_one_file() {
    let t = spawn("kudus").await;
    let first = t.report_with(vec![photo(b"jpeg: modem mati")]).await.ticket_id;

    let second = t.report_with(vec![photo(b"jpeg: modem mati")]).await.ticket_id;

    let a = attachments::for_ticket(&t.db, first).await.unwrap();
    let b = attachments::for_ticket(&t.db, second).await.unwrap();
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_eq!(a[0].stored_path, b[0].stored_path);
    assert!(t.data_dir().join(&a[0].stored_path).is_file());
}
