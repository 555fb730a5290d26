//! Buttons that open a picker or ask a question are checked at the press, exactly as
//! one-tap actions are: whoever could not finish the action gets a refusal, no picker, no
//! pending question, and their next message is theirs again. Also: what `antrian` and
//! `tiket N` give back (the live card, with its buttons), and the reporter told when their
//! confirmation closes the ticket.

use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::Channel;
use sigap::outbound::ButtonAction;
use sigap::service::{Press, PressOutcome, Query};
use sigap::store::{cards, inbound};

use crate::helpers::{TestDesk, message, rows_for, spawn};

fn press(update: &str, from: &str, ticket: i64, version: i32, kind: ActionKind, to: Option<&str>) -> Press {
    Press {
        channel: Channel::Telegram,
        update_id: update.into(),
        from: from.into(),
        action: ButtonAction { ticket_id: ticket, version, kind, to: to.map(str::to_owned), arg: None },
        card: None,
    }
}

fn refused(outcome: &PressOutcome, part: &str) -> bool {
    matches!(outcome, PressOutcome::Refused { answer } if answer.contains(part))
}

/// Nothing was asked of `person`: no question waits, no picker was queued, and their next
/// message is left for the conversation.
async fn nothing_asked(t: &TestDesk, person_id: i64, from: &str, ticket: i64) {
    assert_eq!(inbound::pending(&t.db, person_id).await.unwrap(), None);
    let rows = t.outbox(ticket).await;
    assert!(rows.iter().all(|r| r.kind != "picker"), "a picker went out: {rows:?}");
    let next = t.desk.answer_pending(Channel::Telegram, "u-next", from, "Halo, ada kabar?", Vec::new()).await.unwrap();
    assert_eq!(next, None, "the next message was swallowed");
}

#[tokio::test]
async fn a_reporter_pressing_the_officials_assign_button_gets_no_technician_picker() {
    let t = spawn("kediri").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;

    let outcome =
        t.desk.press(press("u-1", "tg-reporter", id, 2, ActionKind::Assign, Some("pengecekan"))).await.unwrap();

    assert!(refused(&outcome, "Tahap ini ditangani oleh"), "{outcome:?}");
    nothing_asked(&t, p.reporter.id, "tg-reporter", id).await;
}

#[tokio::test]
async fn a_reporter_pressing_set_priority_gets_no_priority_picker() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;

    let outcome = t.desk.press(press("u-1", "tg-reporter", id, 2, ActionKind::SetPriority, None)).await.unwrap();

    assert!(refused(&outcome, "Tahap ini ditangani oleh"), "{outcome:?}");
    nothing_asked(&t, p.reporter.id, "tg-reporter", id).await;
}

#[tokio::test]
async fn an_unassigned_technician_pressing_contact_isp_is_not_asked_for_the_estimate() {
    let t = spawn("kediri").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;

    let outcome =
        t.desk.press(press("u-1", "tg-tech-b", id, 3, ActionKind::ContactIsp, Some("koordinasi_isp"))).await.unwrap();

    assert!(refused(&outcome, "ditugaskan kepada teknisi lain"), "{outcome:?}");
    nothing_asked(&t, p.tech_b.id, "tg-tech-b", id).await;
}

#[tokio::test]
async fn a_stale_selesai_is_refused_without_asking_for_a_note() {
    let t = spawn("kediri").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;
    t.press(&p.tech_a, id, ActionKind::AskInfo).note("Ruang mana?").ok().await;

    // The card of version 3 was answered by the question; its Selesai is stale.
    let outcome = t.desk.press(press("u-1", "tg-tech-a", id, 3, ActionKind::Resolve, Some("laporan"))).await.unwrap();

    assert!(refused(&outcome, "Tombol ini sudah tidak berlaku"), "{outcome:?}");
    nothing_asked(&t, p.tech_a.id, "tg-tech-a", id).await;
}

#[tokio::test]
async fn a_stale_masih_gangguan_on_an_old_confirmation_card_is_refused() {
    let t = spawn("kediri").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Kabel diganti").ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Laporan").ok().await;
    let old_card = t.ticket(id).await.version;
    t.press(&p.reporter, id, ActionKind::Reopen).note("Masih putus").ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Konektor diganti").ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Laporan").ok().await;

    let outcome =
        t.desk.press(press("u-1", "tg-reporter", id, old_card, ActionKind::Reopen, Some("pengecekan"))).await.unwrap();

    assert!(refused(&outcome, "Tombol ini sudah tidak berlaku"), "{outcome:?}");
    nothing_asked(&t, p.reporter.id, "tg-reporter", id).await;
    assert_eq!(t.ticket(id).await.step, "konfirmasi");
}

#[tokio::test]
async fn the_reporters_confirmation_that_closes_the_ticket_tells_them_it_is_closed() {
    let t = spawn("kediri").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Kabel diganti").ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Laporan").ok().await;

    t.press(&p.reporter, id, ActionKind::Confirm).ok().await;

    let rows = t.outbox(id).await;
    let updates: Vec<String> = rows_for(&rows, &p.reporter, "update").iter().map(|r| message(r).text).collect();
    let number = t.ticket(id).await.number;
    assert!(updates.iter().any(|u| *u == format!("Tiket {number} selesai dan ditutup. Terima kasih telah melapor.")));
}

#[tokio::test]
async fn antrian_gives_the_official_a_fresh_card_with_buttons_and_retires_the_old_one() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    let before = t.outbox(id).await;
    let old = rows_for(&before, &p.kasi, "card").last().map(|r| r.id).unwrap();

    let answer = t.desk.query(Channel::Telegram, "tg-kasi", Query::Queue).await.unwrap();

    assert!(answer.starts_with("Antrian Anda (1 tiket"), "{answer}");
    let live = cards::live(&t.db, id).await.unwrap();
    let kasi: Vec<_> = live.iter().filter(|c| c.person_id == Some(p.kasi.id)).collect();
    assert_eq!(kasi.len(), 1, "{kasi:#?}");
    assert_ne!(kasi[0].outbox_id, old, "a fresh card, the old one retired");
    assert_eq!(kasi[0].version(), Some(t.ticket(id).await.version));
    let labels: Vec<&str> = kasi[0].message.buttons.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["Atur prioritas", "Perbaiki online", "Kunjungan lapangan", "Kembalikan"]);
    // The other Kasi's card is theirs, and stays.
    assert_eq!(live.iter().filter(|c| c.person_id == Some(p.kasi_2.id)).count(), 1);
}

#[tokio::test]
async fn tiket_n_gives_its_card_to_whoever_it_waits_on_and_only_the_status_to_others() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let created = t.report().await;
    let number = t.ticket(created.ticket_id).await.number;
    let before = t.outbox(created.ticket_id).await;
    let cards_before = before.len();
    let old = rows_for(&before, &p.helpdesk, "card").last().map(|r| r.id).unwrap();

    let kabid = t.desk.query(Channel::Telegram, "tg-kabid", Query::Ticket(number.clone())).await.unwrap();
    assert_eq!(t.outbox(created.ticket_id).await.len(), cards_before, "nothing waits on the Kabid");
    let helpdesk = t.desk.query(Channel::Telegram, "tg-helpdesk", Query::Ticket(number.clone())).await.unwrap();

    assert!(kabid.starts_with(&format!("Tiket {number}")), "{kabid}");
    assert!(helpdesk.starts_with(&format!("Tiket {number}")), "{helpdesk}");
    let live = cards::live(&t.db, created.ticket_id).await.unwrap();
    let theirs: Vec<_> = live.iter().filter(|c| c.person_id == Some(p.helpdesk.id)).collect();
    assert_eq!(theirs.len(), 1);
    assert_ne!(theirs[0].outbox_id, old, "a fresh card, the old one retired");
    assert_eq!(theirs[0].message.buttons.len(), 3);
}
