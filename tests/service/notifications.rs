//! What lands in the outbox: the reporter's acknowledgement and updates, and task cards whose
//! buttons carry the ticket's current version, all written in the same transaction as the
//! change they announce.

use sigap::domain::role::Role;
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::Channel;
use sigap::store::attachments;
use sigap::store::directory::{self, NewPerson};
use sigap::store::outbox::OutboxRow;

use crate::helpers::{ORG_CODE, message, monday_nine, rows_for, spawn};

fn labels(row: &OutboxRow) -> Vec<String> {
    message(row).buttons.into_iter().map(|b| b.label).collect()
}

fn card_people(rows: &[OutboxRow]) -> Vec<i64> {
    let mut ids: Vec<_> = rows.iter().filter(|r| r.kind == "card").filter_map(|r| r.person_id).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn a_new_report_queues_the_reporters_acknowledgement_with_number_and_expected_completion() {
    let t = spawn("kudus").await;

    let created = t.report().await;

    let rows = t.outbox(created.ticket_id).await;
    let received = rows_for(&rows, &t.people.reporter, "received");
    assert_eq!(received.len(), 1);
    let text = message(received[0]).text;
    assert!(text.contains("GJ-2026-000001"), "{text}");
    assert!(text.contains("Perkiraan selesai: Rabu, 25 November 2026 09:00 WIB"), "{text}");
    assert_eq!((received[0].channel.as_str(), received[0].address.as_str()), ("telegram", "tg-reporter"));
    assert_eq!(received[0].status, "pending");
}

#[tokio::test]
async fn a_new_report_gives_every_helpdesk_person_a_card_with_buttons_at_the_tickets_version() {
    let t = spawn("kudus").await;
    let second = NewPerson {
        name: "Hana Helpdesk".into(),
        org_code: Some(ORG_CODE.into()),
        locale: "id".into(),
        roles: vec![Role::Helpdesk],
        identities: vec![(Channel::Whatsapp, "6281200000009".into())],
    };
    let second = directory::add_person(&t.db, &second, monday_nine()).await.unwrap();

    let created = t.report().await;

    let rows = t.outbox(created.ticket_id).await;
    let mut expected = vec![t.people.helpdesk.id, second.id];
    expected.sort_unstable();
    assert_eq!(card_people(&rows), expected);
    for card in rows.iter().filter(|r| r.kind == "card") {
        assert_eq!(labels(card), ["Teruskan ke Kasi", "Minta info", "Tolak"]);
        for button in message(card).buttons {
            assert_eq!(button.action.ticket_id, created.ticket_id);
            assert_eq!(button.action.version, created.version);
        }
    }
    let whatsapp = rows_for(&rows, &second, "card");
    assert_eq!((whatsapp[0].channel.as_str(), whatsapp[0].address.as_str()), ("whatsapp", "6281200000009"));
}

#[tokio::test]
async fn a_forward_updates_the_reporter_and_gives_every_kasi_a_card_at_the_new_version() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    let before = t.outbox(id).await.len();

    let acted = t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;

    let rows: Vec<_> = t.outbox(id).await.into_iter().skip(before).collect();
    let update = rows_for(&rows, &p.reporter, "update");
    assert_eq!(update.len(), 1);
    assert!(message(update[0]).text.contains("diteruskan ke Kepala Seksi"), "{}", message(update[0]).text);
    let mut kasi = vec![p.kasi.id, p.kasi_2.id];
    kasi.sort_unstable();
    assert_eq!(card_people(&rows), kasi);
    assert_eq!(rows.len(), 3);
    for card in rows.iter().filter(|r| r.kind == "card") {
        let card = message(card);
        assert!(card.text.contains("Terakhir: Hadi Helpdesk (Admin Helpdesk) meneruskan."), "{}", card.text);
        assert!(card.buttons.iter().all(|b| b.action.version == acted.version && acted.version == 2));
        assert_eq!(
            card.buttons.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(),
            ["Atur prioritas", "Perbaiki online", "Kunjungan lapangan", "Kembalikan"]
        );
    }
}

#[tokio::test]
async fn the_reporters_confirm_card_carries_the_completion_photo() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::FieldVisit).ok().await;

    let acted =
        t.press(&p.tech_a, id, ActionKind::Resolve).note("Switch diganti").photo(b"jpeg: switch baru").ok().await;

    let photo = attachments::for_ticket(&t.db, id).await.unwrap().into_iter().find(|a| a.mime == "image/jpeg").unwrap();
    let rows = t.outbox(id).await;
    let card = message(rows_for(&rows, &p.reporter, "card").pop().unwrap());
    assert_eq!(card.attachments, vec![photo.id]);
    assert!(card.text.contains("Agus Teknisi melaporkan penanganan selesai"), "{}", card.text);
    assert_eq!(card.buttons.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), ["Sudah normal", "Masih gangguan"]);
    assert!(card.buttons.iter().all(|b| b.action.version == acted.version));
}

#[tokio::test]
async fn assigned_technicians_alone_get_the_card_of_their_step() {
    let t = spawn("kediri").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    let before = t.outbox(id).await.len();

    t.press(&p.kabid, id, ActionKind::Assign).assign(&[&p.tech_b]).ok().await;

    let rows: Vec<_> = t.outbox(id).await.into_iter().skip(before).collect();
    assert_eq!(card_people(&rows), vec![p.tech_b.id]);
    let update = message(rows_for(&rows, &p.reporter, "update")[0]);
    assert!(update.text.contains("teknisi Budi Teknisi ditugaskan"), "{}", update.text);
}

#[tokio::test]
async fn closing_tells_the_reporter_and_queues_no_card() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::FixRemote).ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Sudah normal").ok().await;
    t.press(&p.reporter, id, ActionKind::Confirm).ok().await;
    let before = t.outbox(id).await.len();

    t.press(&p.kabid, id, ActionKind::Approve).ok().await;

    let rows: Vec<_> = t.outbox(id).await.into_iter().skip(before).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].person_id, rows[0].kind.as_str()), (Some(p.reporter.id), "update"));
    assert!(message(&rows[0]).text.contains("selesai dan ditutup"), "{}", message(&rows[0]).text);
}

#[tokio::test]
async fn a_question_and_its_answer_reach_the_reporter_and_then_the_steps_actors() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    let start = t.outbox(id).await.len();

    t.press(&p.helpdesk, id, ActionKind::AskInfo).note("Di ruang mana tepatnya?").ok().await;
    let asked = t.outbox(id).await.len();
    t.press(&p.reporter, id, ActionKind::ProvideInfo).note("Ruang rapat lantai 2").ok().await;

    // Each time, the helpdesk's card is stale: a fresh one follows, so they can still act.
    let rows = t.outbox(id).await;
    let question: Vec<_> = rows[start..asked].iter().collect();
    assert_eq!(question.len(), 2);
    assert_eq!((question[0].person_id, question[0].kind.as_str()), (Some(p.reporter.id), "update"));
    assert!(message(question[0]).text.contains("Di ruang mana tepatnya?"));
    assert_eq!((question[1].person_id, question[1].kind.as_str()), (Some(p.helpdesk.id), "card"));
    let answer: Vec<_> = rows[asked..].iter().collect();
    assert_eq!(answer.len(), 2);
    assert_eq!((answer[0].person_id, answer[0].kind.as_str()), (Some(p.helpdesk.id), "answered"));
    assert!(message(answer[0]).text.contains("Ruang rapat lantai 2"));
    assert_eq!((answer[1].person_id, answer[1].kind.as_str()), (Some(p.helpdesk.id), "card"));
    assert_eq!(t.ticket(id).await.step, "terima");
}

#[tokio::test]
async fn a_withdrawn_report_tells_the_steps_actors_and_the_reporter_and_ends_the_ticket() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    let before = t.outbox(id).await.len();

    t.press(&p.reporter, id, ActionKind::Cancel).ok().await;

    let rows: Vec<_> = t.outbox(id).await.into_iter().skip(before).collect();
    let mut withdrawn: Vec<_> = rows.iter().filter(|r| r.kind == "withdrawn").filter_map(|r| r.person_id).collect();
    withdrawn.sort_unstable();
    let mut kasi = vec![p.kasi.id, p.kasi_2.id];
    kasi.sort_unstable();
    assert_eq!(withdrawn, kasi);
    let update = message(rows_for(&rows, &p.reporter, "update")[0]);
    assert!(update.text.contains("dibatalkan sesuai permintaan Anda"), "{}", update.text);
    let ticket = t.ticket(id).await;
    assert_eq!(ticket.status, "cancelled");
    assert_eq!(ticket.ended_at, Some(monday_nine()));
}
