//! Presses the service must refuse. Each refusal leaves the ticket row, its event log and the
//! outbox exactly as they were, and is explained to the person in Indonesian without a word
//! about the database.

use sigap::domain::role::Role;
use sigap::domain::sop::ActionKind;
use sigap::domain::workflow::Refusal;
use sigap::service::{ServiceError, TicketRef};
use sigap::store::attachments::NewAttachment;
use sigap::store::directory;

use crate::helpers::{TestDesk, number, spawn};

/// A Kudus ticket waiting at the helpdesk step.
async fn waiting_at_the_helpdesk() -> (TestDesk, i64) {
    let t = spawn("kudus").await;
    let id = t.report().await.ticket_id;
    (t, id)
}

fn assert_polite(t: &TestDesk, err: &ServiceError, expected: &str) {
    let text = err.localized("id", t.tz());
    assert!(text.contains(expected), "{text:?} should contain {expected:?}");
    let lower = text.to_lowercase();
    assert!(!lower.contains("database") && !lower.contains("sqlx"), "{text:?} leaks internals");
}

#[tokio::test]
async fn a_kasi_pressing_on_the_helpdesk_step_is_refused_and_changes_nothing() {
    let (t, id) = waiting_at_the_helpdesk().await;
    let before = t.footprint(id).await;

    let err = t.press(&t.people.kasi, id, ActionKind::Forward).send().await.unwrap_err();

    assert!(
        matches!(&err, ServiceError::Refused { refusal: Refusal::WrongRole { needed: Role::Helpdesk, .. }, .. }),
        "{err:?}"
    );
    assert_eq!(t.footprint(id).await, before);
    assert_polite(&t, &err, "Tahap ini ditangani oleh Admin Helpdesk");
}

#[tokio::test]
async fn an_action_the_current_step_does_not_offer_is_refused_and_changes_nothing() {
    let (t, id) = waiting_at_the_helpdesk().await;
    let before = t.footprint(id).await;

    let err = t.press(&t.people.helpdesk, id, ActionKind::Approve).send().await.unwrap_err();

    assert!(
        matches!(
            &err,
            ServiceError::Refused { refusal: Refusal::NotAllowedHere { kind: ActionKind::Approve, .. }, .. }
        ),
        "{err:?}"
    );
    assert_eq!(t.footprint(id).await, before);
    assert_polite(&t, &err, "tidak tersedia pada tahap Menerima aduan");
}

#[tokio::test]
async fn the_reporter_pressing_on_a_staff_step_is_refused_and_changes_nothing() {
    let (t, id) = waiting_at_the_helpdesk().await;
    let before = t.footprint(id).await;

    let err = t.press(&t.people.reporter, id, ActionKind::Forward).send().await.unwrap_err();

    assert!(matches!(&err, ServiceError::Refused { refusal: Refusal::WrongRole { .. }, .. }), "{err:?}");
    assert_eq!(t.footprint(id).await, before);
    assert_polite(&t, &err, "Tahap ini");
}

#[tokio::test]
async fn a_staff_member_confirming_for_the_reporter_is_refused_and_changes_nothing() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::FixRemote).ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Sudah normal").ok().await;
    let before = t.footprint(id).await;

    let err = t.press(&p.kasi, id, ActionKind::Confirm).send().await.unwrap_err();

    assert!(matches!(&err, ServiceError::Refused { refusal: Refusal::NotReporter, .. }), "{err:?}");
    assert_eq!(t.footprint(id).await, before);
    assert_polite(&t, &err, "Hanya pelapor");
}

#[tokio::test]
async fn a_resolve_without_a_note_is_refused_and_keeps_no_photo() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::FieldVisit).ok().await;
    let before = t.footprint(id).await;

    let err = t.press(&p.tech_a, id, ActionKind::Resolve).photo(b"jpeg").send().await.unwrap_err();

    assert!(matches!(&err, ServiceError::Refused { refusal: Refusal::Missing("note"), .. }), "{err:?}");
    assert_eq!(t.footprint(id).await, before);
    assert!(sigap::store::attachments::for_ticket(&t.db, id).await.unwrap().is_empty());
    assert_polite(&t, &err, "catatan");
}

#[tokio::test]
async fn an_unknown_person_is_refused_and_changes_nothing() {
    let (t, id) = waiting_at_the_helpdesk().await;
    let before = t.footprint(id).await;
    let mut stranger = t.people.helpdesk.clone();
    stranger.id = 9_999;

    let err = t.press(&stranger, id, ActionKind::Forward).send().await.unwrap_err();

    assert!(matches!(err, ServiceError::UnknownPerson), "{err:?}");
    assert_eq!(t.footprint(id).await, before);
    assert_polite(&t, &err, "belum terdaftar");
}

#[tokio::test]
async fn a_deactivated_person_is_refused_and_changes_nothing() {
    let (t, id) = waiting_at_the_helpdesk().await;
    directory::set_active(&t.db, t.people.helpdesk.id, false).await.unwrap();
    let before = t.footprint(id).await;

    let err = t.press(&t.people.helpdesk, id, ActionKind::Forward).send().await.unwrap_err();

    assert!(matches!(err, ServiceError::UnknownPerson), "{err:?}");
    assert_eq!(t.footprint(id).await, before);
}

#[tokio::test]
async fn an_unknown_ticket_number_is_refused_and_changes_nothing() {
    let (t, id) = waiting_at_the_helpdesk().await;
    let before = t.footprint(id).await;

    let err = t
        .press(&t.people.helpdesk, id, ActionKind::Forward)
        .on_ticket(TicketRef::Number(number(999_999)))
        .version(1)
        .send()
        .await
        .unwrap_err();

    assert!(matches!(&err, ServiceError::NotFound(n) if n == "GJ-2026-999999"), "{err:?}");
    assert_eq!(t.footprint(id).await, before);
    assert_polite(&t, &err, "Tiket GJ-2026-999999 tidak ditemukan");
}

#[tokio::test]
async fn a_stale_button_is_refused_naming_who_acted_and_changes_nothing() {
    let (t, id) = waiting_at_the_helpdesk().await;
    t.press(&t.people.helpdesk, id, ActionKind::Forward).ok().await;
    let before = t.footprint(id).await;

    let err = t.press(&t.people.kasi, id, ActionKind::FixRemote).version(1).send().await.unwrap_err();

    match &err {
        ServiceError::AlreadyActed { actor, action, .. } => {
            assert_eq!((actor.as_str(), action.as_str()), ("Hadi Helpdesk", "forward"));
        }
        other => panic!("expected AlreadyActed, got {other:?}"),
    }
    assert_eq!(t.footprint(id).await, before);
    assert_polite(&t, &err, "Hadi Helpdesk sudah meneruskan pada Senin, 23 November 2026 09:00 WIB");
}

#[tokio::test]
async fn a_closed_ticket_refuses_further_presses_and_changes_nothing() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Reject).note("Bukan gangguan jaringan").ok().await;
    let before = t.footprint(id).await;

    let err = t.press(&p.reporter, id, ActionKind::Cancel).send().await.unwrap_err();

    assert!(matches!(&err, ServiceError::Refused { refusal: Refusal::NotOpen(_), .. }), "{err:?}");
    assert_eq!(before.status, "rejected");
    assert_eq!(t.footprint(id).await, before);
    assert_polite(&t, &err, "sudah Ditolak");
}

#[tokio::test]
async fn an_empty_report_is_refused_without_taking_a_number() {
    let t = spawn("kudus").await;
    let mut report = crate::helpers::new_report(t.people.reporter.id, Vec::new());
    report.description = "   ".into();

    let err = t.desk.report(report).await.unwrap_err();

    assert!(matches!(err, ServiceError::Invalid(_)), "{err:?}");
    assert_eq!(t.report().await.number, number(1));
}

#[tokio::test]
async fn a_document_does_not_count_as_the_completion_photo() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::FieldVisit).ok().await;
    let before = t.footprint(id).await;
    let pdf = NewAttachment { bytes: b"%PDF-1.7".to_vec(), mime: "application/pdf".into(), file_name: None };
    let mut request = t.press(&p.tech_a, id, ActionKind::Resolve).note("Berita acara terlampir").request().await;
    request.attachments.push(pdf);

    let err = t.desk.act(request).await.unwrap_err();

    assert!(
        matches!(&err, ServiceError::Refused { refusal: Refusal::TooFewPhotos { need: 1, got: 0 }, .. }),
        "{err:?}"
    );
    assert_eq!(t.footprint(id).await, before);
    assert_polite(&t, &err, "Lampirkan minimal 1 foto (baru 0)");
}

#[test]
fn a_database_failure_is_answered_with_an_apology_that_names_no_internals() {
    let err = ServiceError::Db(sea_orm::DbErr::Custom("sqlx: database is locked".into()));

    let text = err.localized("id", chrono_tz::Asia::Jakarta);

    assert!(text.contains("Maaf, terjadi gangguan di sistem"), "{text}");
    assert!(!text.to_lowercase().contains("database") && !text.contains("sqlx"), "{text}");
    assert!(err.is_internal());
}
