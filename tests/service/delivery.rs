//! The outbox delivery worker driven one unit at a time with a set clock and a scripted fake
//! channel: order per chat, retries with the platform's wait, permanent failures recorded,
//! leases taken over after a crash, one winner per row, pacing per chat.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sigap::clock::Clock;
use sigap::delivery::{Delivery, DeliveryWorker, FileContent, Progress, RetryPolicy, SendError, Sender, Sent, Step};
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::Channel;
use sigap::store::outbox;

use crate::helpers::{TestDesk, spawn};

/// Records what it is asked to send; answers from a script first, then `Ok`.
#[derive(Default)]
struct FakeTelegram {
    sent: Mutex<Vec<Delivery>>,
    script: Mutex<VecDeque<(String, Result<(), SendError>)>>,
}

impl FakeTelegram {
    fn fail_next_to(&self, address: &str, error: SendError) {
        self.script.lock().unwrap().push_back((address.to_owned(), Err(error)));
    }

    fn sent_to(&self, address: &str) -> Vec<String> {
        self.sent.lock().unwrap().iter().filter(|d| d.address == address).map(|d| d.message.text.clone()).collect()
    }

    fn count(&self) -> usize {
        self.sent.lock().unwrap().len()
    }
}

#[async_trait::async_trait]
impl Sender for FakeTelegram {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    async fn send(&self, delivery: &Delivery, _progress: &dyn Progress) -> Result<Sent, SendError> {
        let mut script = self.script.lock().unwrap();
        if let Some(pos) = script.iter().position(|(address, _)| *address == delivery.address) {
            let (_, result) = script.remove(pos).unwrap();
            return result.map(|()| Sent::default());
        }
        self.sent.lock().unwrap().push(delivery.clone());
        Ok(Sent::default())
    }
}

fn worker(t: &TestDesk, fake: &Arc<FakeTelegram>) -> DeliveryWorker {
    DeliveryWorker::new(t.db.clone(), Arc::new(t.clock.clone()), t.data_dir(), RetryPolicy::default())
        .with_sender(fake.clone())
}

/// Run units until the worker has nothing ready at the current time.
async fn drain(w: &DeliveryWorker) -> Vec<Step> {
    let mut steps = Vec::new();
    loop {
        let step = w.try_execute_task().await.unwrap();
        if step == Step::Idle {
            return steps;
        }
        steps.push(step);
        assert!(steps.len() < 500, "the worker never ran dry");
    }
}

async fn statuses(t: &TestDesk, ticket: i64) -> Vec<String> {
    outbox::for_ticket(&t.db, ticket).await.unwrap().into_iter().map(|r| r.status).collect()
}

#[tokio::test]
async fn a_new_report_reaches_the_reporter_and_the_helpdesk_and_is_marked_sent() {
    let t = spawn("kudus").await;
    let fake = Arc::new(FakeTelegram::default());
    let id = t.report().await.ticket_id;

    drain(&worker(&t, &fake)).await;

    assert_eq!(fake.sent_to("tg-reporter").len(), 1);
    assert!(fake.sent_to("tg-reporter")[0].contains("GJ-2026-000001"));
    assert_eq!(fake.sent_to("tg-helpdesk").len(), 1);
    let rows = outbox::for_ticket(&t.db, id).await.unwrap();
    assert!(rows.iter().all(|r| r.status == "sent" && r.sent_at.is_some() && r.attempts == 1), "{rows:?}");
}

#[tokio::test]
async fn a_chat_gets_its_messages_in_order_even_when_the_first_must_be_retried() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let fake = Arc::new(FakeTelegram::default());
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    fake.fail_next_to("tg-reporter", SendError::Retry { after: Some(Duration::from_secs(30)), reason: "429".into() });
    let w = worker(&t, &fake);

    drain(&w).await;
    let before_wait = fake.sent_to("tg-reporter");
    t.clock.advance(chrono::Duration::seconds(31));
    drain(&w).await;
    t.clock.advance(chrono::Duration::seconds(2));
    drain(&w).await;

    assert!(before_wait.is_empty(), "the second message overtook the first: {before_wait:?}");
    let texts = fake.sent_to("tg-reporter");
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[0].contains("sudah kami terima"), "{texts:?}");
    assert!(texts[1].contains("diteruskan"), "{texts:?}");
}

#[tokio::test]
async fn a_platforms_retry_after_is_waited_out_exactly() {
    let t = spawn("kudus").await;
    let fake = Arc::new(FakeTelegram::default());
    let id = t.report().await.ticket_id;
    fake.fail_next_to("tg-reporter", SendError::Retry { after: Some(Duration::from_secs(30)), reason: "429".into() });
    let w = worker(&t, &fake);

    drain(&w).await;
    t.clock.advance(chrono::Duration::seconds(29));
    drain(&w).await;
    let early = fake.sent_to("tg-reporter").len();
    t.clock.advance(chrono::Duration::seconds(1));
    drain(&w).await;

    assert_eq!(early, 0);
    assert_eq!(fake.sent_to("tg-reporter").len(), 1);
    let row = outbox::for_ticket(&t.db, id).await.unwrap().into_iter().find(|r| r.address == "tg-reporter").unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 2));
}

#[tokio::test]
async fn a_permanent_failure_is_recorded_and_does_not_block_the_chat() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let fake = Arc::new(FakeTelegram::default());
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    fake.fail_next_to("tg-reporter", SendError::Permanent { reason: "403: bot was blocked by the user".into() });

    let w = worker(&t, &fake);
    let steps = drain(&w).await;
    // The failed attempt still counts toward the chat's one message a second.
    t.clock.advance(chrono::Duration::seconds(1));
    drain(&w).await;

    assert!(steps.iter().any(|s| matches!(s, Step::Failed { reason, .. } if reason.contains("blocked"))), "{steps:?}");
    let failed = outbox::failed(&t.db, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].last_error.as_deref(), Some("403: bot was blocked by the user"));
    assert_eq!(fake.sent_to("tg-reporter").len(), 1, "the next message to the chat was held back");
}

#[tokio::test]
async fn temporary_failures_become_permanent_after_the_last_attempt() {
    let t = spawn("kudus").await;
    let fake = Arc::new(FakeTelegram::default());
    t.report().await;
    let policy = RetryPolicy { max_attempts: 3, ..RetryPolicy::default() };
    let w =
        DeliveryWorker::new(t.db.clone(), Arc::new(t.clock.clone()), t.data_dir(), policy).with_sender(fake.clone());
    for _ in 0..3 {
        fake.fail_next_to("tg-reporter", SendError::Retry { after: None, reason: "502 Bad Gateway".into() });
    }

    for _ in 0..4 {
        drain(&w).await;
        t.clock.advance(chrono::Duration::hours(1));
    }

    let failed = outbox::failed(&t.db, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].last_error.as_deref().unwrap().contains("gave up after 3 attempts"), "{failed:?}");
    assert!(fake.sent_to("tg-reporter").is_empty());
}

#[tokio::test]
async fn a_row_claimed_by_a_crashed_sender_is_sent_once_its_lease_runs_out() {
    let t = spawn("kudus").await;
    let fake = Arc::new(FakeTelegram::default());
    let id = t.report().await.ticket_id;
    let row = outbox::for_ticket(&t.db, id).await.unwrap().into_iter().find(|r| r.address == "tg-reporter").unwrap();
    let now = t.clock.now();
    // A sender claims the row and dies before recording anything.
    outbox::claim(&t.db, row.id, now, now + chrono::Duration::seconds(60)).await.unwrap().unwrap();
    let w = worker(&t, &fake);

    drain(&w).await;
    let during_lease = fake.sent_to("tg-reporter").len();
    t.clock.advance(chrono::Duration::seconds(61));
    drain(&w).await;

    assert_eq!(during_lease, 0);
    assert_eq!(fake.sent_to("tg-reporter").len(), 1);
    // The dead sender may have got it through: the row says so, and only this row.
    let repeated = outbox::taken_over(&t.db, 10).await.unwrap();
    assert_eq!(repeated.iter().map(|r| r.id).collect::<Vec<_>>(), [row.id]);
    assert_eq!(repeated[0].last_error.as_deref(), Some(outbox::TAKEN_OVER));
    assert!(statuses(&t, id).await.iter().all(|s| s == "sent"));
}

#[tokio::test]
async fn only_one_of_two_claims_on_a_row_wins() {
    let t = spawn("kudus").await;
    let id = t.report().await.ticket_id;
    let row = outbox::for_ticket(&t.db, id).await.unwrap().remove(0);
    let now = t.clock.now();
    let until = now + chrono::Duration::seconds(60);

    let (a, b) = tokio::join!(outbox::claim(&t.db, row.id, now, until), outbox::claim(&t.db, row.id, now, until));

    assert_eq!([a.unwrap().is_some(), b.unwrap().is_some()].iter().filter(|won| **won).count(), 1);
}

#[tokio::test]
async fn one_telegram_chat_gets_at_most_one_message_a_second() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let fake = Arc::new(FakeTelegram::default());
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    let w = worker(&t, &fake);

    drain(&w).await;
    let in_the_first_second = fake.sent_to("tg-reporter").len();
    t.clock.advance(chrono::Duration::seconds(1));
    drain(&w).await;

    assert_eq!(in_the_first_second, 1);
    assert_eq!(fake.sent_to("tg-reporter").len(), 2);
    assert_eq!(statuses(&t, id).await.iter().filter(|s| *s == "sent").count(), fake.count());
}

#[tokio::test]
async fn the_confirm_card_carries_the_completion_photo_as_a_file() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let fake = Arc::new(FakeTelegram::default());
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::FieldVisit).ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Kabel diganti").photo(b"jpeg: kabel baru").ok().await;
    let w = worker(&t, &fake);

    for _ in 0..5 {
        drain(&w).await;
        t.clock.advance(chrono::Duration::seconds(1));
    }

    let sent = fake.sent.lock().unwrap();
    let card = sent.iter().find(|d| d.address == "tg-reporter" && !d.message.buttons.is_empty()).expect("confirm card");
    assert_eq!(card.files.len(), 1);
    let FileContent::Path(photo) = &card.files[0].content else { panic!("a photo is a file: {:?}", card.files[0]) };
    assert_eq!(std::fs::read(photo).unwrap(), b"jpeg: kabel baru");
    assert_eq!(card.files[0].mime, "image/jpeg");
    // The Berita Acara sent beside it comes out of the database.
    let paper =
        sent.iter().flat_map(|d| &d.files).find(|f| f.mime == "application/pdf").expect("the Berita Acara was sent");
    let FileContent::Bytes(pdf) = &paper.content else { panic!("a paper is read from the database: {paper:?}") };
    assert!(pdf.starts_with(b"%PDF"));
    assert!(paper.file_name.as_deref().is_some_and(|name| name.ends_with(".pdf")));
}
