//! Presses and pending reasons at the service: an update takes effect once, however often
//! the platform delivers it.

use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::Channel;
use sigap::outbound::ButtonAction;
use sigap::service::{Press, PressOutcome};

use sigap::store::outbox;

use crate::helpers::{message, spawn};

fn press(update: &str, from: &str, ticket: i64, version: i32, kind: ActionKind, to: Option<&str>) -> Press {
    Press {
        channel: Channel::Telegram,
        update_id: update.into(),
        from: from.into(),
        action: ButtonAction { ticket_id: ticket, version, kind, to: to.map(str::to_owned), arg: None },
        card: None,
    }
}

#[tokio::test]
async fn an_update_delivered_twice_takes_effect_once() {
    let t = spawn("kudus").await;
    let id = t.report().await.ticket_id;

    let first = t.desk.press(press("u-1", "tg-helpdesk", id, 1, ActionKind::Forward, Some("prioritas"))).await.unwrap();
    let again = t.desk.press(press("u-1", "tg-helpdesk", id, 2, ActionKind::Forward, Some("prioritas"))).await.unwrap();

    assert!(matches!(first, PressOutcome::Done { .. }), "{first:?}");
    assert_eq!(again, PressOutcome::Duplicate);
    assert_eq!(t.ticket(id).await.version, 2);
    assert_eq!(t.events(id).await.len(), 2);
}

#[tokio::test]
async fn a_reason_delivered_twice_takes_effect_once() {
    let t = spawn("kudus").await;
    let id = t.report().await.ticket_id;
    let asked = t.desk.press(press("u-1", "tg-helpdesk", id, 1, ActionKind::Reject, Some("rejected"))).await.unwrap();

    let first = t
        .desk
        .answer_pending(Channel::Telegram, "u-2", "tg-helpdesk", "Bukan gangguan jaringan", Vec::new())
        .await
        .unwrap();
    let again = t
        .desk
        .answer_pending(Channel::Telegram, "u-2", "tg-helpdesk", "Bukan gangguan jaringan", Vec::new())
        .await
        .unwrap();

    assert!(matches!(asked, PressOutcome::Asked { .. }), "{asked:?}");
    assert!(matches!(first, Some(PressOutcome::Done { .. })), "{first:?}");
    assert_eq!(again, None, "the question was settled by the first answer");
    assert_eq!(t.ticket(id).await.status, "rejected");
    assert_eq!(t.events(id).await.len(), 2);
}

#[tokio::test]
async fn a_message_without_an_open_question_is_left_for_intake() {
    let t = spawn("kudus").await;

    let outcome = t.desk.answer_pending(Channel::Telegram, "u-9", "tg-kasi", "halo", Vec::new()).await.unwrap();

    assert_eq!(outcome, None);
}

#[tokio::test]
async fn assign_offers_the_active_technicians_with_their_load_and_a_choice_assigns() {
    let t = spawn("kediri").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;

    let offered = t.desk.press(press("u-1", "tg-kabid", id, 2, ActionKind::Assign, Some("pengecekan"))).await.unwrap();
    let rows = outbox::for_ticket(&t.db, id).await.unwrap();
    let picker = rows.iter().find(|r| r.kind == "picker").expect("a picker was queued");
    let labels: Vec<String> = message(picker).buttons.iter().map(|b| b.label.clone()).collect();
    let chosen = press("u-2", "tg-kabid", id, 2, ActionKind::Assign, Some("pengecekan"));
    let chosen = Press { action: ButtonAction { arg: Some(p.tech_b.id), ..chosen.action }, ..chosen };
    let done = t.desk.press(chosen).await.unwrap();

    assert!(matches!(offered, PressOutcome::Asked { .. }), "{offered:?}");
    assert_eq!(picker.address, "tg-kabid");
    assert_eq!(labels, ["Agus Teknisi (0)", "Budi Teknisi (0)"]);
    assert!(matches!(done, PressOutcome::Done { .. }), "{done:?}");
    let details = t.details(id).await;
    assert_eq!(details.ticket.step, "pengecekan");
    assert_eq!(details.assignees.iter().map(|a| a.id).collect::<Vec<_>>(), [p.tech_b.id]);
}

#[tokio::test]
async fn contact_isp_asks_for_the_estimate_and_waits_for_one_it_can_read() {
    let t = spawn("kediri").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;

    let asked =
        t.desk.press(press("u-1", "tg-tech-a", id, 3, ActionKind::ContactIsp, Some("koordinasi_isp"))).await.unwrap();
    let unclear = t.desk.answer_pending(Channel::Telegram, "u-2", "tg-tech-a", "secepatnya", Vec::new()).await.unwrap();
    let clear = t.desk.answer_pending(Channel::Telegram, "u-3", "tg-tech-a", "besok 10:00", Vec::new()).await.unwrap();

    assert!(matches!(&asked, PressOutcome::Asked { answer } if answer.contains("14:30")), "{asked:?}");
    assert!(
        matches!(&unclear, Some(PressOutcome::Refused { answer }) if answer.contains("tidak terbaca")),
        "{unclear:?}"
    );
    assert!(matches!(clear, Some(PressOutcome::Done { .. })), "{clear:?}");
    let ticket = t.ticket(id).await;
    assert_eq!(ticket.step, "koordinasi_isp");
    assert_eq!(ticket.isp_eta, Some(crate::helpers::wib("2026-11-24 10:00")));
}

#[tokio::test]
async fn a_device_replacement_records_the_device_and_the_reason() {
    let t = spawn("tebing-tinggi").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;
    t.press(&p.tech_a, id, ActionKind::FieldVisit).ok().await;

    t.desk.press(press("u-1", "tg-tech-a", id, 5, ActionKind::RequestReplacement, Some("penggantian"))).await.unwrap();
    let done = t
        .desk
        .answer_pending(Channel::Telegram, "u-2", "tg-tech-a", "Switch 24 port - mati total", Vec::new())
        .await
        .unwrap();

    assert!(matches!(done, Some(PressOutcome::Done { .. })), "{done:?}");
    let last = t.events(id).await.pop().unwrap();
    assert_eq!(last.note.as_deref(), Some("mati total"));
    assert!(last.data.unwrap().contains("Switch 24 port"));
}
