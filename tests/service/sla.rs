//! The SLA worker driven one pass at a time with a set clock, on the kudus SOP (`terima` has
//! 10 business minutes, the field visit 24 wall-clock hours): reminders at 50% and 80%,
//! escalation on breach, office hours, the morning digest, and two workers on one database.

use chrono::{DateTime, Utc};

use sigap::domain::role::Role;
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::{Channel, Priority};
use sigap::outbound::kind;
use sigap::service::{PassReport, SlaWorker};
use sigap::store::directory::{self, NewPerson, PersonRecord};
use sigap::store::outbox::{self, OutboxRow};

use crate::helpers::{ORG_CODE, TestDesk, message, monday_nine, rows_for, spawn, wib};

fn worker(t: &TestDesk) -> SlaWorker {
    SlaWorker::new(t.desk.clone())
}

async fn pass(w: &SlaWorker, at: DateTime<Utc>) -> PassReport {
    w.run_pass(at).await.unwrap()
}

async fn complaint_official(t: &TestDesk) -> PersonRecord {
    let new = NewPerson {
        name: "Putri Pengaduan".into(),
        org_code: Some(ORG_CODE.into()),
        locale: "id".into(),
        roles: vec![Role::ComplaintOfficial],
        identities: vec![(Channel::Telegram, "tg-aduan".into())],
    };
    directory::add_person(&t.db, &new, monday_nine()).await.unwrap()
}

/// Every outbox row, digests (which belong to no ticket) included.
async fn all_rows(t: &TestDesk) -> Vec<OutboxRow> {
    outbox::pending(&t.db).await.unwrap()
}

fn texts(rows: &[&OutboxRow]) -> Vec<String> {
    rows.iter().map(|r| message(r).text).collect()
}

/// A report at Monday 09:00 taken to the 24-hour field visit (entered at 09:00 too).
async fn at_field_visit(t: &TestDesk, priority: Priority) -> i64 {
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::SetPriority).priority(priority).ok().await;
    t.press(&p.kasi, id, ActionKind::FieldVisit).ok().await;
    id
}

#[tokio::test]
async fn the_step_actors_are_reminded_at_half_and_four_fifths_of_the_limit_once_each() {
    let t = spawn("kudus").await;
    let created = t.report().await;
    let w = worker(&t);

    assert_eq!(pass(&w, wib("2026-11-23 09:04")).await.reminders, 0);
    assert_eq!(pass(&w, wib("2026-11-23 09:05")).await.reminders, 1);
    for minute in ["09:05", "09:06", "09:07"] {
        assert_eq!(pass(&w, wib(&format!("2026-11-23 {minute}"))).await.reminders, 0);
    }
    assert_eq!(pass(&w, wib("2026-11-23 09:08")).await.reminders, 1);
    assert_eq!(pass(&w, wib("2026-11-23 09:09")).await.reminders, 0);

    let rows = t.outbox(created.ticket_id).await;
    let reminders = rows_for(&rows, &t.people.helpdesk, kind::SLA_REMINDER);
    let number = created.number.to_string();
    assert_eq!(
        texts(&reminders),
        [
            format!(
                "⏰ Pengingat: tiket {number} (Menerima aduan) sudah 50% dari batas waktu; batas: Senin, 23 November 2026 09:10 WIB."
            ),
            format!(
                "⏰ Pengingat: tiket {number} (Menerima aduan) sudah 80% dari batas waktu; batas: Senin, 23 November 2026 09:10 WIB."
            ),
        ]
    );
    assert!(reminders.iter().all(|r| !message(r).buttons.is_empty()), "the actor can act from the reminder");
    assert!(rows.iter().filter(|r| r.kind == kind::SLA_REMINDER).all(|r| r.person_id == Some(t.people.helpdesk.id)));
}

#[tokio::test]
async fn a_breach_escalates_one_level_up_and_to_the_complaint_official_once_with_how_late() {
    let t = spawn("kudus").await;
    let official = complaint_official(&t).await;
    let created = t.report().await;
    let w = worker(&t);

    let report = pass(&w, wib("2026-11-23 11:15")).await;
    assert_eq!((report.escalations, report.reminders), (1, 0), "the unsent reminders are superseded");
    assert_eq!(pass(&w, wib("2026-11-23 13:00")).await.escalations, 0);

    let rows = t.outbox(created.ticket_id).await;
    let p = &t.people;
    for person in [&p.helpdesk, &p.kasi, &p.kasi_2, &official] {
        assert_eq!(rows_for(&rows, person, kind::SLA_BREACH).len(), 1, "{} is told once", person.name);
    }
    for person in [&p.kabid, &p.kadis, &p.tech_a] {
        assert!(rows_for(&rows, person, kind::SLA_BREACH).is_empty(), "{} is not told", person.name);
    }
    assert!(rows.iter().all(|r| r.kind != kind::SLA_REMINDER));
    let to_kasi = message(rows_for(&rows, &p.kasi, kind::SLA_BREACH)[0]);
    assert_eq!(
        to_kasi.text,
        format!(
            "⚠️ Terlambat: tiket {} tahap Menerima aduan melewati batas 10 menit kerja sejak Senin, 23 November 2026 09:10 WIB, terlambat 2 jam 5 menit.\nPelaksana tahap: Hadi Helpdesk (Admin Helpdesk).",
            created.number
        )
    );
    assert!(to_kasi.buttons.is_empty(), "the Kasi oversees; the helpdesk acts");
    assert!(!message(rows_for(&rows, &p.helpdesk, kind::SLA_BREACH)[0]).buttons.is_empty());
}

#[tokio::test]
async fn a_normal_ticket_breached_in_the_evening_is_escalated_at_the_next_mornings_first_pass() {
    let t = spawn("kudus").await;
    let id = at_field_visit(&t, Priority::Normal).await;
    let w = worker(&t);

    let evening = pass(&w, wib("2026-11-24 19:00")).await;
    assert_eq!((evening.escalations, evening.skipped_outside_hours), (0, 1));
    assert_eq!(pass(&w, wib("2026-11-25 02:00")).await.escalations, 0);
    assert_eq!(pass(&w, wib("2026-11-25 07:59")).await.escalations, 0);
    assert!(t.outbox(id).await.iter().all(|r| r.kind != kind::SLA_BREACH), "no pings at night");

    assert_eq!(pass(&w, wib("2026-11-25 08:00")).await.escalations, 1);
    let rows = t.outbox(id).await;
    assert_eq!(rows_for(&rows, &t.people.tech_a, kind::SLA_BREACH).len(), 1);
    assert_eq!(rows_for(&rows, &t.people.kasi, kind::SLA_BREACH).len(), 1);
    assert!(texts(&rows_for(&rows, &t.people.kasi, kind::SLA_BREACH))[0].contains("terlambat 23 jam"));
}

#[tokio::test]
async fn a_high_priority_ticket_is_escalated_even_in_the_evening() {
    let t = spawn("kudus").await;
    let id = at_field_visit(&t, Priority::High).await;
    let w = worker(&t);

    let evening = pass(&w, wib("2026-11-24 19:00")).await;
    assert_eq!((evening.escalations, evening.skipped_outside_hours), (1, 0));
    let rows = t.outbox(id).await;
    assert_eq!(rows_for(&rows, &t.people.tech_b, kind::SLA_BREACH).len(), 1);
    assert_eq!(pass(&w, wib("2026-11-25 08:00")).await.escalations, 0);
}

/// Kabid and Kadis open their Telegram chat with the bot.
async fn readers_open_the_bot(t: &TestDesk) {
    for address in ["tg-kabid", "tg-kadis", "tg-kadis-2"] {
        t.desk.note_inbound(Channel::Telegram, address).await.unwrap();
    }
}

#[tokio::test]
async fn the_morning_digest_goes_to_kabid_and_kadis_at_eight_on_working_days_once() {
    let t = spawn("kudus").await;
    readers_open_the_bot(&t).await;
    let created = t.report().await;
    let w = worker(&t);
    let digests = |rows: Vec<OutboxRow>| rows.into_iter().filter(|r| r.kind == kind::SLA_DIGEST).collect::<Vec<_>>();

    for at in ["2026-11-28 08:00", "2026-11-29 09:00", "2026-11-30 07:59", "2026-12-25 08:00"] {
        assert_eq!(pass(&w, wib(at)).await.digests, 0, "no digest at {at}");
    }
    assert!(digests(all_rows(&t).await).is_empty());

    assert_eq!(pass(&w, wib("2026-11-30 08:00")).await.digests, 1);
    assert_eq!(pass(&w, wib("2026-11-30 08:30")).await.digests, 0);

    let rows = digests(all_rows(&t).await);
    let p = &t.people;
    let mut readers: Vec<i64> = rows.iter().filter_map(|r| r.person_id).collect();
    readers.sort_unstable();
    let mut expected = vec![p.kabid.id, p.kadis.id, p.kadis_2.id];
    expected.sort_unstable();
    assert_eq!(readers, expected);
    let text = message(&rows[0]).text;
    let number = created.number.to_string();
    assert!(text.starts_with("📊 Ringkasan pagi SIGAP, Senin, 30 November 2026 08:00 WIB"), "{text}");
    assert!(text.contains("Tiket dalam proses: 1"), "{text}");
    assert!(text.contains(&format!("• {number} — Menerima aduan (terlambat)")), "{text}");
    assert!(text.contains("Tahap terlambat: 1"), "{text}");
    assert!(text.contains("• Agus Teknisi: 0") && text.contains("• Budi Teknisi: 0"), "{text}");
}

#[tokio::test]
async fn two_workers_passing_at_once_send_each_notice_once() {
    let t = spawn("kudus").await;
    let created = t.report().await;
    let (a, b) = (worker(&t), worker(&t));
    let at = wib("2026-11-23 09:05");

    let (ra, rb) = tokio::join!(pass(&a, at), pass(&b, at));

    assert_eq!(ra.reminders + rb.reminders, 1);
    assert!(ra.lease_held_by.is_some() != rb.lease_held_by.is_some(), "one holds the lease: {ra:?} {rb:?}");
    let rows = t.outbox(created.ticket_id).await;
    assert_eq!(rows_for(&rows, &t.people.helpdesk, kind::SLA_REMINDER).len(), 1);
}

#[tokio::test]
async fn two_passes_under_one_lease_still_send_each_notice_once() {
    // A split brain: both think they hold the lease. The unique notice row decides.
    let t = spawn("kudus").await;
    let created = t.report().await;
    let a = worker(&t).with_holder("replica");
    let b = worker(&t).with_holder("replica");
    let at = wib("2026-11-23 09:11");

    let (ra, rb) = tokio::join!(pass(&a, at), pass(&b, at));

    assert_eq!(ra.escalations + rb.escalations, 1, "{ra:?} {rb:?}");
    let rows = t.outbox(created.ticket_id).await;
    assert_eq!(rows_for(&rows, &t.people.helpdesk, kind::SLA_BREACH).len(), 1);
    assert_eq!(rows_for(&rows, &t.people.kasi, kind::SLA_BREACH).len(), 1);
}

#[tokio::test]
async fn a_worker_takes_over_an_expired_lease_without_repeating_what_was_sent() {
    let t = spawn("kudus").await;
    let created = t.report().await;
    let (a, b) = (worker(&t), worker(&t));

    assert_eq!(pass(&a, wib("2026-11-23 09:05")).await.reminders, 1);
    let blocked = pass(&b, wib("2026-11-23 09:06")).await;
    assert_eq!(blocked.lease_held_by.as_deref(), Some(a.holder()));

    // A stopped renewing; its 90-second lease ran out.
    let taken = pass(&b, wib("2026-11-23 09:07")).await;
    assert_eq!((taken.lease_held_by, taken.reminders), (None, 0));
    assert_eq!(pass(&b, wib("2026-11-23 09:08")).await.reminders, 1);
    let rows = t.outbox(created.ticket_id).await;
    assert_eq!(rows_for(&rows, &t.people.helpdesk, kind::SLA_REMINDER).len(), 2);
}

#[tokio::test]
async fn a_service_started_in_the_evening_sends_no_digest_until_the_next_working_morning() {
    // A fresh install started on a Monday at 18:40 WIB.
    let t = spawn("kudus").await;
    readers_open_the_bot(&t).await;
    t.report().await;
    let w = worker(&t);
    let digests = |rows: &[OutboxRow]| rows.iter().filter(|r| r.kind == kind::SLA_DIGEST).count();

    t.clock.set(wib("2026-11-23 18:40"));
    assert_eq!(pass(&w, wib("2026-11-23 18:40")).await.digests, 0, "not at an evening start");
    assert_eq!(pass(&w, wib("2026-11-24 06:00")).await.digests, 0, "not before the morning");
    assert_eq!(digests(&all_rows(&t).await), 0);

    assert_eq!(pass(&w, wib("2026-11-24 08:00")).await.digests, 1, "Tuesday morning");
    assert_eq!(digests(&all_rows(&t).await), 3);
}

#[tokio::test]
async fn the_digest_goes_only_to_officials_who_have_opened_the_bot() {
    let t = spawn("kudus").await;
    t.desk.note_inbound(Channel::Telegram, "tg-kadis").await.unwrap();
    t.report().await;

    assert_eq!(pass(&worker(&t), wib("2026-11-24 08:00")).await.digests, 1);

    let readers: Vec<i64> =
        all_rows(&t).await.iter().filter(|r| r.kind == kind::SLA_DIGEST).filter_map(|r| r.person_id).collect();
    assert_eq!(readers, [t.people.kadis.id], "Kabid and the other Kadis never wrote to the bot");
}
