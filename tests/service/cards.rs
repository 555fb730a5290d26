//! The invariant of the cards, over every preset: after any action, whoever must act next
//! holds exactly one live card (a message whose buttons carry the ticket's current version)
//! and nobody else holds one. Walked the way people do it: every button pressed is taken
//! from a phone's chat, pickers are answered by their buttons, questions by a message, and
//! every message SIGAP queues is delivered to the phones (edits included) before looking.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sigap::delivery::{Delivery, DeliveryWorker, Limits, Pacer, Progress, RetryPolicy, SendError, Sender, Sent, Step};
use sigap::domain::role::Role;
use sigap::domain::sop::{ActionKind, Target};
use sigap::domain::ticket::Channel;
use sigap::domain::workflow::Command;
use sigap::outbound::Button;
use sigap::service::{ActRequest, CardRef, Press, PressOutcome, TicketRef};
use sigap::store::{inbound, tickets};

use crate::helpers::{TestDesk, photo, spawn};

/// A message as a phone shows it, after every edit.
#[derive(Debug, Clone)]
struct Shown {
    id: i64,
    text: String,
    buttons: Vec<Button>,
}

/// Every Telegram chat of the office, as the phones show them.
#[derive(Default)]
struct Phones {
    chats: Mutex<HashMap<String, Vec<Shown>>>,
    next_id: AtomicU64,
    violations: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl Sender for Phones {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    async fn send(&self, delivery: &Delivery, _progress: &dyn Progress) -> Result<Sent, SendError> {
        let mut chats = self.chats.lock().unwrap();
        let chat = chats.entry(delivery.address.clone()).or_default();
        if let Some(edit) = &delivery.message.edit {
            match chat.iter_mut().find(|m| m.id.to_string() == *edit) {
                Some(shown) => {
                    shown.text = delivery.message.text.clone();
                    shown.buttons.clear();
                }
                None => self.violations.lock().unwrap().push(format!("edit of unknown {edit} in {}", delivery.address)),
            }
            return Ok(Sent::default());
        }
        let id = i64::try_from(self.next_id.fetch_add(1, Ordering::SeqCst)).unwrap() + 1;
        chat.push(Shown { id, text: delivery.message.text.clone(), buttons: delivery.message.buttons.clone() });
        // As Telegram's sender does: the message with buttons is named by chat and id.
        let external_ids =
            if delivery.message.buttons.is_empty() { Vec::new() } else { vec![format!("{}:{id}", delivery.address)] };
        Ok(Sent { external_ids, note: None })
    }
}

impl Phones {
    /// Messages in `chat` with buttons for `ticket`.
    fn cards(&self, chat: &str, ticket: i64) -> Vec<Shown> {
        let chats = self.chats.lock().unwrap();
        let shown = chats.get(chat).map(Vec::as_slice).unwrap_or_default();
        shown.iter().filter(|m| m.buttons.iter().any(|b| b.action.ticket_id == ticket)).cloned().collect()
    }
}

struct Walk {
    t: TestDesk,
    phones: Arc<Phones>,
    worker: DeliveryWorker,
    updates: AtomicU64,
}

fn address(t: &TestDesk, person_id: i64) -> String {
    let p = &t.people;
    let all = [&p.reporter, &p.helpdesk, &p.kasi, &p.kasi_2, &p.kabid, &p.kadis, &p.kadis_2, &p.tech_a, &p.tech_b];
    let person = all.into_iter().find(|x| x.id == person_id).unwrap();
    person.contact().unwrap().1.to_owned()
}

impl Walk {
    async fn new(preset: &str) -> Walk {
        let t = spawn(preset).await;
        let phones = Arc::new(Phones::default());
        // The clock stands still: lift the pacing, as the binary's tests do.
        let unpaced = Limits { per_chat_interval: Duration::ZERO, per_second: usize::MAX };
        let worker = DeliveryWorker::new(t.db.clone(), Arc::new(t.clock.clone()), t.data_dir(), RetryPolicy::default())
            .with_pacer(Pacer::with_limits(HashMap::from([(Channel::Telegram, unpaced)])))
            .with_sender(phones.clone());
        Walk { t, phones, worker, updates: AtomicU64::new(0) }
    }

    async fn deliver(&self) {
        for _ in 0..10_000 {
            if self.worker.try_execute_task().await.unwrap() == Step::Idle {
                return;
            }
        }
        panic!("the outbox never ran dry");
    }

    fn update(&self) -> String {
        format!("u-{}", self.updates.fetch_add(1, Ordering::SeqCst))
    }

    /// Who must act on `ticket` now, by person id.
    async fn actors(&self, ticket: i64) -> Vec<i64> {
        let (row, assignees) = tickets::with_assignees(&self.t.db, TicketRef::Id(ticket)).await.unwrap().unwrap();
        if row.status != "open" {
            return Vec::new();
        }
        let p = &self.t.people;
        let step = self.t.desk.sop().sop.step(&row.step).unwrap();
        match step.role {
            Role::Reporter => vec![p.reporter.id],
            Role::Technician if !assignees.is_empty() => assignees,
            Role::Technician => vec![p.tech_a.id, p.tech_b.id],
            Role::Helpdesk => vec![p.helpdesk.id],
            Role::Kasi => vec![p.kasi.id, p.kasi_2.id],
            Role::Kabid => vec![p.kabid.id],
            Role::Kadis => vec![p.kadis.id, p.kadis_2.id],
            other => panic!("no one holds {other}"),
        }
    }

    /// Deliver, then check the invariant for everyone.
    async fn holds(&self, ticket: i64, after: &str) {
        self.deliver().await;
        let violations = self.phones.violations.lock().unwrap().clone();
        assert!(violations.is_empty(), "after {after}: {violations:?}");
        let row = self.t.ticket(ticket).await;
        let actors = self.actors(ticket).await;
        let p = &self.t.people;
        let everyone =
            [&p.reporter, &p.helpdesk, &p.kasi, &p.kasi_2, &p.kabid, &p.kadis, &p.kadis_2, &p.tech_a, &p.tech_b];
        for person in everyone {
            let cards = self.phones.cards(&address(&self.t, person.id), ticket);
            let expected = usize::from(actors.contains(&person.id));
            assert_eq!(
                cards.len(),
                expected,
                "after {after} ({} at {}, v{}), {} holds {} live card(s): {cards:#?}",
                row.number,
                row.step,
                row.version,
                person.name,
                cards.len()
            );
            for card in cards {
                assert!(
                    card.buttons.iter().all(|b| b.action.version == row.version),
                    "after {after}, {}'s card is stale: {card:#?}",
                    person.name
                );
            }
        }
    }

    /// `person` presses the `kind` (towards `to`) button of their live card of `ticket`,
    /// and finishes what it opens: a picker's first choice, or a message answering the
    /// question (with a photo when the step wants one).
    async fn press(&self, person_id: i64, ticket: i64, kind: ActionKind, to: Option<&Target>) {
        let chat = address(&self.t, person_id);
        let cards = self.phones.cards(&chat, ticket);
        assert_eq!(cards.len(), 1, "{chat} should hold one card of #{ticket}: {cards:#?}");
        let card = &cards[0];
        let to = to.map(ToString::to_string);
        let button = card
            .buttons
            .iter()
            .find(|b| b.action.kind == kind && b.action.to == to)
            .unwrap_or_else(|| panic!("no {kind} button on {card:#?}"));
        let outcome = self.tap(&chat, card, button).await;
        match outcome {
            PressOutcome::Done { .. } => {}
            PressOutcome::Asked { .. } if kind.needs().assignees || kind.needs().priority => {
                self.deliver().await;
                let shown = self.phones.chats.lock().unwrap()[&chat].last().cloned().unwrap();
                let choice = shown.buttons.first().cloned().expect("a picker with choices");
                let done = self.tap(&chat, &shown, &choice).await;
                assert!(matches!(done, PressOutcome::Done { .. }), "{kind} choice: {done:?}");
            }
            PressOutcome::Asked { .. } => {
                let text = match kind {
                    ActionKind::ContactIsp => "16:00",
                    ActionKind::RequestReplacement => "Switch 24 port - mati total",
                    _ => "Catatan uji",
                };
                let pending = inbound::pending(&self.t.db, person_id).await.unwrap().unwrap();
                let step = self.t.ticket(ticket).await.step;
                let wants_photo = self
                    .t
                    .desk
                    .sop()
                    .sop
                    .step(&step)
                    .and_then(|s| s.find_action(kind, pending.to_step.clone().map(Target::from).as_ref()))
                    .is_some_and(|a| a.min_photos > 0);
                let files = if wants_photo { vec![photo(b"foto hasil")] } else { Vec::new() };
                let answered =
                    self.t.desk.answer_pending(Channel::Telegram, &self.update(), &chat, text, files).await.unwrap();
                assert!(matches!(answered, Some(PressOutcome::Done { .. })), "{kind} answer: {answered:?}");
            }
            other => panic!("{kind} by {chat}: {other:?}"),
        }
    }

    async fn tap(&self, chat: &str, shown: &Shown, button: &Button) -> PressOutcome {
        let press = Press {
            channel: Channel::Telegram,
            update_id: self.update(),
            from: chat.to_owned(),
            action: button.action.clone(),
            card: Some(CardRef { chat: chat.to_owned(), message_id: shown.id.to_string(), text: shown.text.clone() }),
        };
        self.t.desk.press(press).await.unwrap()
    }

    /// A new ticket walked to `target` by the first path the SOP offers.
    async fn ticket_at(&self, target: &str) -> i64 {
        let ticket = self.t.report().await.ticket_id;
        self.holds(ticket, "the report").await;
        for (step, kind, to) in path(&self.t, target) {
            let actor = self.actors(ticket).await[0];
            assert_eq!(self.t.ticket(ticket).await.step, step);
            self.press(actor, ticket, kind, to.as_ref()).await;
            self.holds(ticket, &format!("{kind} at {step}")).await;
        }
        ticket
    }
}

/// The actions that lead from the start to `target`, each with the step it is taken at.
fn path(t: &TestDesk, target: &str) -> Vec<(String, ActionKind, Option<Target>)> {
    let sop = &t.desk.sop().sop;
    let start = sop.start_step().id.clone();
    let mut came_from: HashMap<String, (String, ActionKind, Option<Target>)> = HashMap::new();
    let mut queue = VecDeque::from([start.clone()]);
    while let Some(step) = queue.pop_front() {
        for action in &sop.step(&step).unwrap().actions {
            if let Some(Target::Step(next)) = &action.to
                && *next != start
                && !came_from.contains_key(next)
            {
                came_from.insert(next.clone(), (step.clone(), action.kind, action.to.clone()));
                queue.push_back(next.clone());
            }
        }
    }
    let mut out = Vec::new();
    let mut at = target.to_owned();
    while at != start {
        let (from, kind, to) = came_from[&at].clone();
        out.push((from.clone(), kind, to));
        at = from;
    }
    out.reverse();
    out
}

async fn every_action_keeps_one_live_card_per_actor(preset: &str) {
    let w = Walk::new(preset).await;
    let steps: Vec<_> = w.t.desk.sop().sop.steps.clone();
    for step in &steps {
        for action in &step.actions {
            let ticket = w.ticket_at(&step.id).await;
            let actor = w.actors(ticket).await[0];
            w.press(actor, ticket, action.kind, action.to.as_ref()).await;
            let what = format!("{} at {}", action.kind, step.id);
            w.holds(ticket, &what).await;
            if action.kind == ActionKind::AskInfo {
                // The reporter answers by message; the step's actors get a fresh card.
                let reporter = address(&w.t, w.t.people.reporter.id);
                let answered =
                    w.t.desk
                        .answer_pending(Channel::Telegram, &w.update(), &reporter, "Gedung B lantai 2", Vec::new())
                        .await
                        .unwrap();
                assert!(matches!(answered, Some(PressOutcome::Done { .. })), "provide_info: {answered:?}");
                w.holds(ticket, &format!("provide_info at {}", step.id)).await;
            }
        }
    }
    // The reporter withdraws one last report: nobody holds its card any more.
    let ticket = w.ticket_at(&steps[1].id).await;
    let mut cancel = Command::new(ActionKind::Cancel, w.t.ticket(ticket).await.version);
    cancel.note = None;
    let request = ActRequest {
        ticket: TicketRef::Id(ticket),
        actor_id: w.t.people.reporter.id,
        channel: Channel::Telegram,
        command: cancel,
        assignee_ids: Vec::new(),
        attachments: Vec::new(),
    };
    if w.t.desk.sop().sop.header.reporter_can_cancel {
        w.t.desk.act(request).await.unwrap();
        w.holds(ticket, "cancel").await;
    }
}

#[tokio::test]
async fn kudus_every_action_leaves_exactly_one_live_card_with_whoever_acts_next() {
    every_action_keeps_one_live_card_per_actor("kudus").await;
}

#[tokio::test]
async fn kediri_every_action_leaves_exactly_one_live_card_with_whoever_acts_next() {
    every_action_keeps_one_live_card_per_actor("kediri").await;
}

#[tokio::test]
async fn pekalongan_every_action_leaves_exactly_one_live_card_with_whoever_acts_next() {
    every_action_keeps_one_live_card_per_actor("pekalongan").await;
}

#[tokio::test]
async fn tebing_tinggi_every_action_leaves_exactly_one_live_card_with_whoever_acts_next() {
    every_action_keeps_one_live_card_per_actor("tebing-tinggi").await;
}
