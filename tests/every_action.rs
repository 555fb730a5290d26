//! Every action of every step of every preset, pressed the way people do it, through the
//! application and the fake platforms: on Telegram with the invariant of the cards checked
//! after each action (whoever must act next holds exactly one card with the step's buttons,
//! nobody else holds one, as the chats show after edits), and on WhatsApp with each action
//! taken from the buttons or list rows the phone received. A ticket is reported by one
//! message, walked to the step by the SOP's first path, and the action pressed there;
//! pickers are answered by their first choice, questions by a message (with a photo where
//! the step wants one).

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_graph.rs"]
mod fake_graph;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use app::{App, eventually};
use fake_graph::{FakeGraph, webhook};
use fake_telegram::FakeTelegram;
use serde_json::Value;
use sigap::domain::role::Role;
use sigap::domain::sop::{ActionKind, Sop, Target};
use sigap::domain::ticket::Channel;
use sigap::store::{outbox, tickets};

const REPORT: &str = "Internet di ruang server mati sejak pagi";

/// Who holds each role in the office of the walk: (name, role, chat number).
const PEOPLE: [(&str, Role, i64); 7] = [
    ("Sari", Role::Reporter, 1),
    ("Hadi", Role::Helpdesk, 2),
    ("Kurnia", Role::Kasi, 3),
    ("Bambang", Role::Kabid, 4),
    ("Dewi", Role::Kadis, 5),
    ("Agus", Role::Technician, 6),
    ("Budi", Role::Technician, 7),
];

/// The actions that lead from the start to `target`, each with the step it is taken at.
fn path(sop: &Sop, target: &str) -> Vec<(String, usize)> {
    let start = sop.start_step().id.clone();
    let mut came_from: HashMap<String, (String, usize)> = HashMap::new();
    let mut queue = VecDeque::from([start.clone()]);
    while let Some(step) = queue.pop_front() {
        for (i, action) in sop.step(&step).unwrap().actions.iter().enumerate() {
            if let Some(Target::Step(next)) = &action.to
                && *next != start
                && !came_from.contains_key(next)
            {
                came_from.insert(next.clone(), (step.clone(), i));
                queue.push_back(next.clone());
            }
        }
    }
    let mut out = Vec::new();
    let mut at = target.to_owned();
    while at != start {
        let (from, index) = came_from[&at].clone();
        out.push((from.clone(), index));
        at = from;
    }
    out.reverse();
    out
}

/// A technician or priority picker, as its text opens.
fn is_picker(text: &str, number: &str) -> bool {
    text.starts_with(&format!("Tiket {number}: pilih"))
}

/// What a question after a button is answered with.
fn answer_for(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::ContactIsp => "16:00",
        ActionKind::RequestReplacement => "Switch 24 port - mati total",
        _ => "Catatan uji",
    }
}

/// One office's walk on one channel: the platform's side of it.
#[async_trait::async_trait]
trait Phones: Send + Sync {
    /// `person` (index in [`PEOPLE`]) sends a text.
    async fn say(&self, person: usize, text: &str);
    /// `person` sends a photo with `caption`.
    async fn photo(&self, person: usize, caption: &str);
    /// `person` presses the `index`th button of their newest message about `number` that
    /// carries buttons (a card: its buttons are the step's actions in the SOP's order).
    async fn press_card(&self, person: usize, number: &str, index: usize);
    /// `person` chooses the first option of the picker SIGAP just sent about `number`.
    async fn pick_first(&self, person: usize, number: &str);
    /// After an action settled: check who holds live cards of `number`.
    fn check_cards(&self, number: &str, actors: &[usize], after: &str);
}

struct Walk<P: Phones> {
    phones: P,
    sop: Sop,
    app: App,
}

impl<P: Phones> Walk<P> {
    async fn settle(&self) {
        let db = self.app.desk.db();
        eventually("the outbox drained", || async { outbox::backlog(db).await.unwrap().0 == 0 }).await;
    }

    /// Who must act on `ticket` now (indexes in [`PEOPLE`]).
    async fn actors(&self, ticket: i64) -> Vec<usize> {
        let db = self.app.desk.db();
        let (row, assignees) =
            tickets::with_assignees(db, sigap::service::TicketRef::Id(ticket)).await.unwrap().unwrap();
        if row.status != "open" {
            return Vec::new();
        }
        let role = self.sop.step(&row.step).unwrap().role;
        if role == Role::Technician && !assignees.is_empty() {
            let people = sigap::store::people::records(db, &assignees, &mut Default::default()).await.unwrap();
            return people.iter().map(|p| PEOPLE.iter().position(|(name, ..)| *name == p.name).unwrap()).collect();
        }
        PEOPLE.iter().enumerate().filter(|(_, (_, r, _))| *r == role).map(|(i, _)| i).collect()
    }

    async fn events(&self, ticket: i64) -> usize {
        tickets::events(self.app.desk.db(), ticket).await.unwrap().len()
    }

    /// The reporter's one message: a ticket.
    async fn report(&self) -> (i64, String) {
        let db = self.app.desk.db();
        let before = tickets::list(db, None, 10_000).await.unwrap().len();
        self.phones.say(0, REPORT).await;
        eventually("the new ticket", || async { tickets::list(db, None, 10_000).await.unwrap().len() == before + 1 })
            .await;
        let row = tickets::list(db, None, 1).await.unwrap().remove(0);
        self.settle().await;
        (row.id, row.number)
    }

    /// The `index`th action of the ticket's step, pressed by its first actor and finished.
    async fn act(&self, ticket: (i64, &str), index: usize) -> String {
        let (id, number) = ticket;
        let row = tickets::by_id(self.app.desk.db(), id).await.unwrap().unwrap();
        let step = self.sop.step(&row.step).unwrap();
        let action = &step.actions[index];
        let what = format!("{} at {}", action.kind, step.id);
        let actor = self.actors(id).await[0];
        let before = self.events(id).await;
        self.phones.press_card(actor, number, index).await;
        let needs = action.kind.needs();
        if needs.assignees || needs.priority {
            self.phones.pick_first(actor, number).await;
        } else if needs.note || needs.eta || needs.device {
            // The question comes first; the answer completes the action.
            self.settle().await;
            let text = answer_for(action.kind);
            if action.min_photos > 0 {
                self.phones.photo(actor, text).await;
            } else {
                self.phones.say(actor, text).await;
            }
        }
        eventually(&format!("{what} recorded"), || async { self.events(id).await > before }).await;
        self.settle().await;
        if action.kind == ActionKind::AskInfo {
            // The reporter answers by message.
            let before = self.events(id).await;
            self.phones.say(0, "Gedung B lantai 2").await;
            eventually("provide_info recorded", || async { self.events(id).await > before }).await;
            self.settle().await;
        }
        what
    }

    async fn holds(&self, ticket: (i64, &str), after: &str) {
        let actors = self.actors(ticket.0).await;
        self.phones.check_cards(ticket.1, &actors, after);
    }

    /// Every action of every step, each on a ticket walked there.
    async fn every_action(&self) -> usize {
        let mut done = 0;
        for step in &self.sop.steps {
            for (index, action) in step.actions.iter().enumerate() {
                let (id, number) = self.report().await;
                let ticket = (id, number.as_str());
                self.holds(ticket, "the report").await;
                for (at, i) in path(&self.sop, &step.id) {
                    let what = self.act(ticket, i).await;
                    assert!(what.ends_with(&at), "{what} should be at {at}");
                    self.holds(ticket, &what).await;
                }
                let what = self.act(ticket, index).await;
                assert!(what.starts_with(action.kind.as_str()), "{what}");
                self.holds(ticket, &what).await;
                let kinds: Vec<String> =
                    tickets::events(self.app.desk.db(), id).await.unwrap().into_iter().map(|e| e.action).collect();
                assert!(kinds.contains(&action.kind.as_str().to_owned()), "{kinds:?}");
                done += 1;
            }
        }
        done
    }
}

// ---------------------------------------------------------------------------------------
// Telegram

const TOKEN: &str = "790:EVERY-ACTION";
const TG_BASE: i64 = 8_800;

struct Telegram {
    fake: FakeTelegram,
}

impl Telegram {
    fn chat(person: usize) -> i64 {
        TG_BASE + PEOPLE[person].2
    }

    /// The messages in `chat` about `number` that show buttons now (edits applied).
    fn live(&self, chat: i64, number: &str) -> Vec<Value> {
        self.fake
            .shown_in(chat)
            .into_iter()
            .filter(|m| m["text"].as_str().is_some_and(|t| t.starts_with(&format!("Tiket {number}"))))
            .filter(|m| keyboard(m).is_some_and(|k| !k.is_empty()))
            .collect()
    }
}

fn keyboard(message: &Value) -> Option<Vec<Value>> {
    let rows = message["reply_markup"]["inline_keyboard"].as_array()?;
    Some(rows.iter().flat_map(|r| r.as_array().cloned().unwrap_or_default()).collect())
}

#[async_trait::async_trait]
impl Phones for Telegram {
    async fn say(&self, person: usize, text: &str) {
        self.fake.push_update(self.fake.message_from(Self::chat(person), text));
    }

    async fn photo(&self, person: usize, caption: &str) {
        let file = format!("foto-{}", self.fake.requests().len());
        self.fake.add_file(&file, b"\xff\xd8 foto hasil".to_vec());
        self.fake.push_update(self.fake.photo_from(Self::chat(person), &file, Some(caption)));
    }

    async fn press_card(&self, person: usize, number: &str, index: usize) {
        let chat = Self::chat(person);
        let mut card = None;
        eventually(&format!("a card of {number} for {}", PEOPLE[person].0), || {
            card = self.live(chat, number).into_iter().find(|m| !is_picker(m["text"].as_str().unwrap_or(""), number));
            std::future::ready(card.is_some())
        })
        .await;
        let card = card.unwrap();
        let buttons = keyboard(&card).unwrap();
        let data = buttons[index]["callback_data"].as_str().unwrap().to_owned();
        self.fake.push_update(self.fake.callback_from(chat, card["message_id"].as_i64().unwrap(), &data));
    }

    async fn pick_first(&self, person: usize, number: &str) {
        let chat = Self::chat(person);
        let mut picker = None;
        eventually(&format!("a picker of {number} for {}", PEOPLE[person].0), || {
            picker = self.live(chat, number).into_iter().find(|m| is_picker(m["text"].as_str().unwrap_or(""), number));
            std::future::ready(picker.is_some())
        })
        .await;
        let picker = picker.unwrap();
        let data = keyboard(&picker).unwrap()[0]["callback_data"].as_str().unwrap().to_owned();
        self.fake.push_update(self.fake.callback_from(chat, picker["message_id"].as_i64().unwrap(), &data));
    }

    fn check_cards(&self, number: &str, actors: &[usize], after: &str) {
        for (person, (name, ..)) in PEOPLE.iter().enumerate() {
            let live = self.live(Self::chat(person), number);
            let expected = usize::from(actors.contains(&person));
            assert_eq!(
                live.len(),
                expected,
                "after {after}, {name} holds {} live card(s) of {number}: {live:#?}",
                live.len()
            );
        }
    }
}

async fn telegram_walk(preset: &str) {
    let fake = FakeTelegram::start(TOKEN).await;
    let vars = [
        ("SIGAP_SOP", preset.to_owned()),
        ("TELOXIDE_TOKEN", TOKEN.to_owned()),
        ("TELOXIDE_API_URL", fake.api_url()),
        ("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_TELEGRAM_PER_SECOND", "1000000".to_owned()),
    ];
    let app = app::start(&vars, |desk| async move {
        let people: Vec<_> = PEOPLE.iter().map(|(name, role, n)| (*name, *role, (TG_BASE + n).to_string())).collect();
        app::seed_dinkes(&desk, Channel::Telegram, &people).await;
    })
    .await;
    let sop = app.desk.sop().sop.clone();
    let walk = Walk { phones: Telegram { fake }, sop, app };
    let done = walk.every_action().await;
    let expected: usize = walk.sop.steps.iter().map(|s| s.actions.len()).sum();
    assert_eq!(done, expected);
    assert!(walk.phones.fake.violations().is_empty(), "{:?}", walk.phones.fake.violations());
    walk.app.stop().await;
}

#[tokio::test]
async fn kudus_every_action_by_telegram() {
    telegram_walk("kudus").await;
}

#[tokio::test]
async fn kediri_every_action_by_telegram() {
    telegram_walk("kediri").await;
}

#[tokio::test]
async fn pekalongan_every_action_by_telegram() {
    telegram_walk("pekalongan").await;
}

#[tokio::test]
async fn tebing_tinggi_every_action_by_telegram() {
    telegram_walk("tebing-tinggi").await;
}

// ---------------------------------------------------------------------------------------
// WhatsApp

const WA_TOKEN: &str = "EAAG-every-action";
const PHONE_ID: &str = "106540352242977";
const APP_SECRET: &str = "every-action-secret";

struct WhatsApp {
    fake: FakeGraph,
    url: String,
    http: reqwest::Client,
    next_id: AtomicUsize,
    /// Per number, how many messages were looked at already: a card is taken from a newer one.
    seen: Mutex<HashMap<String, usize>>,
}

impl WhatsApp {
    fn number(person: usize) -> String {
        format!("62813000000{:02}", PEOPLE[person].2)
    }

    fn message_id(&self) -> String {
        format!("wamid.EVERY{:06}", self.next_id.fetch_add(1, Ordering::SeqCst))
    }

    async fn post(&self, payload: &Value) {
        let body = serde_json::to_vec(payload).unwrap();
        let signature = webhook::sign(APP_SECRET, &body);
        let status = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", signature)
            .body(body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }

    /// The choices (reply id) of an interactive message, in order: buttons or list rows.
    fn choices(body: &Value) -> Vec<(&'static str, String, String)> {
        let action = &body["interactive"]["action"];
        if let Some(buttons) = action["buttons"].as_array() {
            return buttons
                .iter()
                .map(|b| {
                    (
                        "button",
                        b["reply"]["id"].as_str().unwrap().to_owned(),
                        b["reply"]["title"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
        }
        action["sections"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["rows"].as_array().cloned().unwrap_or_default())
            .map(|r| ("list", r["id"].as_str().unwrap().to_owned(), r["title"].as_str().unwrap().to_owned()))
            .collect()
    }

    /// Wait for a newer interactive message to `person` about `number` that `wanted` accepts;
    /// choose its `index`th option.
    async fn choose(&self, person: usize, number: &str, wanted: impl Fn(&str) -> bool, index: usize) {
        let to = Self::number(person);
        let from = *self.seen.lock().unwrap().get(&to).unwrap_or(&0);
        let mut found = None;
        eventually(&format!("a message about {number} with choices for {}", PEOPLE[person].0), || {
            found = self.fake.delivered_to(&to).into_iter().enumerate().skip(from).find(|(_, (_, body))| {
                let text = body["interactive"]["body"]["text"].as_str().unwrap_or("");
                text.contains(number) && wanted(text) && !Self::choices(body).is_empty()
            });
            std::future::ready(found.is_some())
        })
        .await;
        let (i, (wamid, body)) = found.unwrap();
        self.seen.lock().unwrap().insert(to.clone(), i + 1);
        let (kind, id, title) = Self::choices(&body)[index].clone();
        let event = match kind {
            "button" => webhook::button_reply(&to, "Pengguna", &self.message_id(), &wamid, &id, &title),
            _ => webhook::list_reply(&to, "Pengguna", &self.message_id(), &wamid, &id, &title, ""),
        };
        self.post(&event).await;
    }
}

#[async_trait::async_trait]
impl Phones for WhatsApp {
    async fn say(&self, person: usize, text: &str) {
        self.post(&webhook::text(&Self::number(person), "Pengguna", &self.message_id(), text)).await;
    }

    async fn photo(&self, person: usize, caption: &str) {
        let media = self.fake.add_media(b"\xff\xd8 foto hasil".to_vec(), "image/jpeg");
        let to = Self::number(person);
        self.post(&webhook::image(&to, "Pengguna", &self.message_id(), &media, "image/jpeg", Some(caption))).await;
    }

    async fn press_card(&self, person: usize, number: &str, index: usize) {
        // A card opens with the ticket's number and the step, or asks the reporter to confirm.
        let card = |text: &str| text.starts_with(&format!("Tiket {number}")) && !is_picker(text, number);
        self.choose(person, number, card, index).await;
    }

    async fn pick_first(&self, person: usize, number: &str) {
        self.choose(person, number, |text| is_picker(text, number), 0).await;
    }

    /// WhatsApp cannot take buttons away: what a phone holds is not observable here. The
    /// invariant is checked on Telegram and in the service's own walk.
    fn check_cards(&self, _number: &str, _actors: &[usize], _after: &str) {}
}

async fn whatsapp_walk(preset: &str) {
    let fake = FakeGraph::start(WA_TOKEN, PHONE_ID).await;
    let vars = [
        ("SIGAP_SOP", preset.to_owned()),
        ("WHATSAPP_API_URL", fake.api_url()),
        ("WHATSAPP_PHONE_NUMBER_ID", PHONE_ID.to_owned()),
        ("WHATSAPP_ACCESS_TOKEN", WA_TOKEN.to_owned()),
        ("WHATSAPP_APP_SECRET", APP_SECRET.to_owned()),
        ("WHATSAPP_VERIFY_TOKEN", "every-action".to_owned()),
        ("SIGAP_WHATSAPP_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_WHATSAPP_PER_SECOND", "1000000".to_owned()),
    ];
    let app = app::start(&vars, |desk| async move {
        let people: Vec<_> = PEOPLE
            .iter()
            .enumerate()
            .map(|(i, (name, role, _))| (*name, *role, format!("+{}", WhatsApp::number(i))))
            .collect();
        app::seed_dinkes(&desk, Channel::Whatsapp, &people).await;
    })
    .await;
    let phones = WhatsApp {
        url: format!("http://{}/webhook/whatsapp", app.addr),
        fake,
        http: reqwest::Client::new(),
        next_id: AtomicUsize::new(1),
        seen: Mutex::new(HashMap::new()),
    };
    let sop = app.desk.sop().sop.clone();
    let walk = Walk { phones, sop, app };
    // Everyone opens their 24-hour window first, as people who use the number do.
    for person in 0..PEOPLE.len() {
        walk.phones.say(person, "bantuan").await;
    }
    walk.settle().await;
    let done = walk.every_action().await;
    let expected: usize = walk.sop.steps.iter().map(|s| s.actions.len()).sum();
    assert_eq!(done, expected);
    assert!(walk.phones.fake.violations().is_empty(), "{:?}", walk.phones.fake.violations());
    walk.app.stop().await;
}

#[tokio::test]
async fn kudus_every_action_by_whatsapp() {
    whatsapp_walk("kudus").await;
}

#[tokio::test]
async fn kediri_every_action_by_whatsapp() {
    whatsapp_walk("kediri").await;
}

#[tokio::test]
async fn pekalongan_every_action_by_whatsapp() {
    whatsapp_walk("pekalongan").await;
}

#[tokio::test]
async fn tebing_tinggi_every_action_by_whatsapp() {
    whatsapp_walk("tebing-tinggi").await;
}
