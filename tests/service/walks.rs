//! Tickets walked through each office's SOP from the report to `closed`, checking the event
//! log, the version counter and what is stored along the way.

use chrono::Duration;

use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::{Channel, Priority};
use sigap::store::attachments;
use sigap::store::tickets::EventRow;

use crate::helpers::{TestDesk, spawn};

/// (action, from, to, actor role, channel) of one event.
type Entry = (String, Option<String>, Option<String>, Option<String>, String);

/// Each event's entry, in order.
fn trail(events: &[EventRow]) -> Vec<Entry> {
    events
        .iter()
        .map(|e| (e.action.clone(), e.from_step.clone(), e.to_step.clone(), e.actor_role.clone(), e.channel.clone()))
        .collect()
}

fn row(action: &str, from: Option<&str>, to: &str, role: &str, channel: &str) -> Entry {
    (action.into(), from.map(Into::into), Some(to.into()), Some(role.into()), channel.into())
}

fn visited(details: &sigap::service::TicketDetails) -> Vec<String> {
    details.sla.visits.iter().map(|v| v.step.clone()).collect()
}

/// Let a few minutes pass between presses, so each step has a visible stay.
fn later(t: &TestDesk) {
    t.clock.advance(Duration::minutes(7));
}

#[tokio::test]
async fn kudus_field_visit_branch_walks_from_report_to_closed() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let created = t.report().await;
    let id = created.ticket_id;
    let mut versions = vec![created.version];

    for press in [
        t.press(&p.helpdesk, id, ActionKind::Forward),
        t.press(&p.kasi, id, ActionKind::SetPriority).priority(Priority::High),
        t.press(&p.kasi, id, ActionKind::FieldVisit),
        t.press(&p.tech_a, id, ActionKind::Resolve)
            .note("Kabel LAN diganti")
            .photo(b"jpeg: switch baru")
            .channel(Channel::Whatsapp),
        t.press(&p.reporter, id, ActionKind::Confirm),
        t.press(&p.kabid, id, ActionKind::Approve),
    ] {
        later(&t);
        versions.push(press.ok().await.version);
    }

    let ticket = t.ticket(id).await;
    assert_eq!(ticket.status, "closed");
    assert_eq!(ticket.org_id, Some(t.org_id));
    assert_eq!(ticket.ended_at, Some(t.desk.clock().now()));
    assert_eq!(ticket.priority.as_deref(), Some("high"));
    assert_eq!(versions, vec![1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(ticket.version, 7);
    assert_eq!(
        trail(&t.events(id).await),
        vec![
            row("report", None, "terima", "reporter", "telegram"),
            row("forward", Some("terima"), "prioritas", "helpdesk", "telegram"),
            row("set_priority", Some("prioritas"), "prioritas", "kasi", "telegram"),
            row("field_visit", Some("prioritas"), "perbaikan_lapangan", "kasi", "telegram"),
            row("resolve", Some("perbaikan_lapangan"), "konfirmasi", "technician", "whatsapp"),
            row("confirm", Some("konfirmasi"), "laporan_kabid", "reporter", "telegram"),
            row("approve", Some("laporan_kabid"), "laporan_kabid", "kabid", "telegram"),
        ]
    );
}

#[tokio::test]
async fn kudus_field_visit_photo_is_recorded_against_the_resolve_and_stored_under_the_data_dir() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::FieldVisit).ok().await;

    t.press(&p.tech_a, id, ActionKind::Resolve).note("Kabel LAN diganti").photo(b"jpeg: switch baru").ok().await;

    let resolve = t.events(id).await.into_iter().find(|e| e.action == "resolve").unwrap();
    // The photo, and the Berita Acara the SOP sends the reporter at konfirmasi.
    let all = attachments::for_ticket(&t.db, id).await.unwrap();
    assert_eq!(all.iter().map(|a| a.mime.as_str()).collect::<Vec<_>>(), ["image/jpeg", "application/pdf"]);
    let stored: Vec<_> = all.into_iter().filter(|a| a.mime == "image/jpeg").collect();
    assert_eq!(stored[0].event_id, Some(resolve.id));
    assert_eq!(stored[0].mime, "image/jpeg");
    assert_eq!(stored[0].uploaded_by, Some(p.tech_a.id));
    let file = t.data_dir().join(&stored[0].stored_path);
    assert!(file.starts_with(t.data_dir()));
    assert_eq!(std::fs::read(file).unwrap(), b"jpeg: switch baru");
}

#[tokio::test]
async fn kudus_field_visit_is_claimed_by_the_technician_who_resolves_it() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::FieldVisit).ok().await;

    t.press(&p.tech_b, id, ActionKind::Resolve).note("Selesai").photo(b"jpeg").ok().await;

    let details = t.details(id).await;
    assert_eq!(details.assignees.iter().map(|a| a.id).collect::<Vec<_>>(), vec![p.tech_b.id]);
}

#[tokio::test]
async fn kudus_remote_branch_closes_without_a_photo() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;

    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::FixRemote).ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Router di-restart dari jarak jauh").ok().await;
    t.press(&p.reporter, id, ActionKind::Confirm).ok().await;
    let last = t.press(&p.kabid, id, ActionKind::Approve).ok().await;

    let ticket = t.ticket(id).await;
    assert_eq!((ticket.status.as_str(), ticket.version, last.version), ("closed", 6, 6));
    let actions: Vec<_> = t.events(id).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["report", "forward", "fix_remote", "resolve", "confirm", "approve"]);
    // No photo; the papers Kudus names: the Berita Acara at konfirmasi, the report for the Kabid.
    let files = attachments::for_ticket(&t.db, id).await.unwrap();
    assert_eq!(files.iter().map(|a| a.mime.as_str()).collect::<Vec<_>>(), ["application/pdf", "application/pdf"]);
    // Kept in the database with the step that produced them: no file under DATA_DIR.
    for paper in &files {
        assert_eq!(paper.stored_path, "");
        let bytes = attachments::bytes(&t.db, &t.data_dir(), paper).await.unwrap();
        assert!(bytes.starts_with(b"%PDF"));
        assert_eq!(i64::try_from(bytes.len()).unwrap(), paper.size);
    }
    assert!(!t.data_dir().join("attachments").exists());
    let papers: Vec<_> = t.outbox(id).await.into_iter().filter(|r| r.kind == "paper").collect();
    assert_eq!(papers.iter().map(|r| r.address.as_str()).collect::<Vec<_>>(), ["tg-reporter", "tg-kabid"]);
    assert_eq!(
        visited(&t.details(id).await),
        ["terima", "prioritas", "perbaikan_online", "konfirmasi", "laporan_kabid"]
    );
}

#[tokio::test]
async fn kediri_isp_loop_taken_twice_still_closes() {
    let t = spawn("kediri").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    let eta = || t.desk.clock().now() + Duration::hours(2);

    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;
    for _ in 0..2 {
        later(&t);
        t.press(&p.tech_a, id, ActionKind::ContactIsp).eta(eta()).ok().await;
        later(&t);
        t.press(&p.tech_a, id, ActionKind::StillDown).ok().await;
    }
    later(&t);
    t.press(&p.tech_a, id, ActionKind::ContactIsp).eta(eta()).ok().await;
    t.press(&p.tech_a, id, ActionKind::IspRestored).ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Link ISP pulih, laporan dibuat").ok().await;
    t.press(&p.reporter, id, ActionKind::Confirm).ok().await;

    let details = t.details(id).await;
    assert_eq!(details.ticket.status, "closed");
    assert_eq!(
        visited(&details),
        [
            "disposisi",
            "penugasan",
            "pengecekan",
            "koordinasi_isp",
            "pengecekan",
            "koordinasi_isp",
            "pengecekan",
            "koordinasi_isp",
            "laporan",
            "konfirmasi",
        ]
    );
    assert!(details.sla.visits.iter().all(|v| v.left_at.is_some()));
    assert_eq!(details.ticket.version, 11);
}

#[tokio::test]
async fn kediri_contact_isp_records_the_estimate_on_the_ticket_and_the_event() {
    let t = spawn("kediri").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;
    let eta = t.desk.clock().now() + Duration::hours(3);

    t.press(&p.tech_a, id, ActionKind::ContactIsp).eta(eta).ok().await;

    assert_eq!(t.ticket(id).await.isp_eta, Some(eta));
    let event = t.events(id).await.pop().unwrap();
    let data: serde_json::Value = serde_json::from_str(event.data.as_deref().unwrap()).unwrap();
    assert_eq!(data["eta"], eta.to_rfc3339());
}

#[tokio::test]
async fn pekalongan_full_chain_runs_through_both_reviews() {
    let t = spawn("pekalongan").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;

    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::Assign).assign(&[&p.tech_a, &p.tech_b]).ok().await;
    t.press(&p.tech_b, id, ActionKind::Start).ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("DNS server diperbaiki").ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Laporan penyelesaian dibuat").ok().await;
    t.press(&p.reporter, id, ActionKind::Confirm).ok().await;
    t.press(&p.kasi, id, ActionKind::Approve).ok().await;
    t.press(&p.kabid, id, ActionKind::Approve).ok().await;

    let details = t.details(id).await;
    assert_eq!(details.ticket.status, "closed");
    assert_eq!(
        visited(&details),
        [
            "disposisi_kadis",
            "tindak_lanjut_kabid",
            "penugasan_kasi",
            "cek_fisik",
            "monitoring",
            "laporan",
            "konfirmasi",
            "review_kasi",
            "review_kabid",
        ]
    );
    let roles: Vec<_> = details.events.iter().map(|e| e.event.actor_role.clone().unwrap_or_default()).collect();
    assert_eq!(
        roles,
        ["reporter", "kadis", "kabid", "kasi", "technician", "technician", "technician", "reporter", "kasi", "kabid"]
    );
    let mut assigned: Vec<_> = details.assignees.iter().map(|a| a.id).collect();
    assigned.sort_unstable();
    assert_eq!(assigned, vec![p.tech_a.id, p.tech_b.id]);
}

/// Tebing Tinggi up to the reporter's acknowledgement of a replaced device.
async fn tebing_tinggi_replaced_and_acknowledged(t: &TestDesk) -> i64 {
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::Assign).assign(&[&p.tech_a, &p.tech_b]).ok().await;
    t.press(&p.tech_a, id, ActionKind::FieldVisit).ok().await;
    t.press(&p.tech_a, id, ActionKind::RequestReplacement)
        .device("Access point lantai 2")
        .note("Adaptor terbakar")
        .ok()
        .await;
    t.press(&p.tech_b, id, ActionKind::Resolve).note("Access point baru terpasang").photo(b"jpeg: ap baru").ok().await;
    t.press(&p.reporter, id, ActionKind::Confirm).ok().await;
    id
}

#[tokio::test]
async fn tebing_tinggi_device_replacement_climbs_the_review_chain_to_closed() {
    let t = spawn("tebing-tinggi").await;
    let p = &t.people;
    let id = tebing_tinggi_replaced_and_acknowledged(&t).await;

    t.press(&p.kasi, id, ActionKind::Approve).ok().await;
    t.press(&p.kabid, id, ActionKind::Approve).ok().await;
    t.press(&p.kadis, id, ActionKind::Approve).ok().await;

    let details = t.details(id).await;
    assert_eq!(details.ticket.status, "closed");
    assert!(details.ticket.ended_at.is_some());
    assert_eq!(
        visited(&details),
        [
            "disposisi_kadis",
            "verifikasi_kabid",
            "penugasan_kasi",
            "analisa",
            "cek_lokasi",
            "penggantian",
            "konfirmasi",
            "review_kasi",
            "review_kabid",
            "review_kadis",
        ]
    );
    let replacement = details.events.iter().find(|e| e.event.action == "request_replacement").unwrap();
    let data: serde_json::Value = serde_json::from_str(replacement.event.data.as_deref().unwrap()).unwrap();
    assert_eq!(data["device"], "Access point lantai 2");
    assert_eq!(replacement.event.note.as_deref(), Some("Adaptor terbakar"));
}

#[tokio::test]
async fn tebing_tinggi_kabid_returning_the_report_sends_it_back_to_the_kasi() {
    let t = spawn("tebing-tinggi").await;
    let p = &t.people;
    let id = tebing_tinggi_replaced_and_acknowledged(&t).await;
    t.press(&p.kasi, id, ActionKind::Approve).ok().await;

    t.press(&p.kabid, id, ActionKind::Return).note("Foto Berita Acara belum ada").ok().await;

    let ticket = t.ticket(id).await;
    assert_eq!((ticket.step.as_str(), ticket.status.as_str()), ("review_kasi", "open"));
    let last = t.events(id).await.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.from_step.as_deref(), last.to_step.as_deref()),
        ("return", Some("review_kabid"), Some("review_kasi"))
    );
    assert_eq!(last.note.as_deref(), Some("Foto Berita Acara belum ada"));
}

#[tokio::test]
async fn tebing_tinggi_a_returned_report_can_climb_again_to_closed() {
    let t = spawn("tebing-tinggi").await;
    let p = &t.people;
    let id = tebing_tinggi_replaced_and_acknowledged(&t).await;
    t.press(&p.kasi, id, ActionKind::Approve).ok().await;
    t.press(&p.kabid, id, ActionKind::Return).note("Lengkapi foto").ok().await;

    t.press(&p.kasi, id, ActionKind::Approve).ok().await;
    t.press(&p.kabid, id, ActionKind::Approve).ok().await;
    t.press(&p.kadis, id, ActionKind::Approve).ok().await;

    let details = t.details(id).await;
    assert_eq!(details.ticket.status, "closed");
    let reviews: Vec<_> = visited(&details).into_iter().skip(7).collect();
    assert_eq!(reviews, ["review_kasi", "review_kabid", "review_kasi", "review_kabid", "review_kadis"]);
}
