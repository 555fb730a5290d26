//! Presses and pending reasons at the service: an update takes effect once, however often
//! the platform delivers it.

use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::Channel;
use sigap::outbound::ButtonAction;
use sigap::service::{Press, PressOutcome};

use crate::helpers::spawn;

fn press(update: &str, from: &str, ticket: i64, version: i32, kind: ActionKind, to: Option<&str>) -> Press {
    Press {
        channel: Channel::Telegram,
        update_id: update.into(),
        from: from.into(),
        action: ButtonAction { ticket_id: ticket, version, kind, to: to.map(str::to_owned) },
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

    let first =
        t.desk.answer_pending(Channel::Telegram, "u-2", "tg-helpdesk", "Bukan gangguan jaringan").await.unwrap();
    let again =
        t.desk.answer_pending(Channel::Telegram, "u-2", "tg-helpdesk", "Bukan gangguan jaringan").await.unwrap();

    assert!(matches!(asked, PressOutcome::Asked { .. }), "{asked:?}");
    assert!(matches!(first, Some(PressOutcome::Done { .. })), "{first:?}");
    assert_eq!(again, None, "the question was settled by the first answer");
    assert_eq!(t.ticket(id).await.status, "rejected");
    assert_eq!(t.events(id).await.len(), 2);
}

#[tokio::test]
async fn a_message_without_an_open_question_is_left_for_intake() {
    let t = spawn("kudus").await;

    let outcome = t.desk.answer_pending(Channel::Telegram, "u-9", "tg-kasi", "halo").await.unwrap();

    assert_eq!(outcome, None);
}
