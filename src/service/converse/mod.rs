//! Talking with people who are not pressing a ticket's button, one file per dialogue: the
//! report put together from one free-form message (here: follow-up questions only for what
//! it does not say, the summary with Kirim / Ubah / Batal), a report filed from one message
//! and what follows it (`filed`), a newcomer's registration and invite codes (`onboard`),
//! the satisfaction survey (`rating`), complaints about the service (`complaint`), and what
//! officials ask in chat (`staff`: search, the month's log).
//!
//! Channels turn what arrived into an [`Incoming`]; every answer is queued in the outbox in
//! the same transaction as the conversation's new state and the update's id, so a message
//! delivered twice, or a restart in between, neither loses nor repeats a question.

use rust_i18n::t;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::{Helpdesk, NewReport, ServiceError};
use crate::domain::intake;
use crate::domain::phone::PhoneNumber;
use crate::domain::records::{self, SURVEY_ELEMENTS};
use crate::domain::role::Role;
use crate::domain::ticket::{Category, Channel};
use crate::domain::workflow::MAX_NOTE_CHARS;
use crate::i18n;
use crate::outbound::{Choice, ChoiceButton, OutboundMessage, Pick, kind};
use crate::store::attachments::{self, NewAttachment, SavedFile};
use crate::store::conversations::{self, ConversationRow};
use crate::store::directory::{self, NewPerson, PersonRecord};
use crate::store::outbox::{self, NewOutbound};
use crate::store::{complaints, inbound, survey, tickets};

mod complaint;
mod filed;
mod link;
mod onboard;
mod privacy;
mod rating;
mod staff;

use rating::survey_question;

/// Organisations per page of the picker: with "previous" and "next" it stays within the ten
/// rows of a WhatsApp list, and fits a phone screen on Telegram.
pub const ORGS_PER_PAGE: usize = 8;
/// Tickets a search answer lists.
const MAX_FOUND: u64 = 10;
/// Longest name a person may give; shortest is two letters.
const MAX_NAME_CHARS: usize = 100;

/// Something a person sent that is not a press on a ticket's button.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub channel: Channel,
    /// The platform's id of the update, for exactly-once effect.
    pub update_id: String,
    /// The sender's platform identity (Telegram user id, E.164 number).
    pub sender: String,
    /// The chat to answer in.
    pub reply_to: String,
    pub body: Body,
}

#[derive(Debug, Clone)]
pub enum Body {
    Text(String),
    /// Photos or documents, with the caption typed under them.
    Files {
        caption: String,
        files: Vec<NewAttachment>,
    },
    /// A shared contact card; `own` when the platform vouches it is the sender's own number.
    Contact {
        phone: String,
        own: bool,
    },
    Command(ChatCommand),
    Choice(Choice),
    /// A sticker, a voice note, a location…: something SIGAP does not read.
    Unsupported,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatCommand {
    /// `/start`, with an invite code when opened from an invite link.
    Start(Option<String>),
    /// `/lapor`: begin a new report.
    Report,
    /// `/batal`: drop the report being written or the question being answered.
    Cancel,
    /// `/cari text`: officials search tickets.
    Search(String),
    /// `/laporan [bulan-ini|bulan-lalu|2026-11]`: an official gets the month's complaint log.
    Monthly(String),
    /// `/keluhan`: a complaint about the service itself.
    Complain,
    /// `/jawab K-12 text`: the complaint official answers a complaint.
    Answer { id: String, text: String },
    /// `/gabung GJ-… GJ-…`: an official links the second ticket to the first (its incident).
    Link { parent: String, child: String },
    /// `/pisah GJ-…`: an official splits a linked ticket off into a life of its own.
    Unlink(String),
    /// `/privasi`: what SIGAP keeps about people, why, how long, and whom to ask.
    Privacy,
    /// `/dataku`: what SIGAP holds about the sender; `file` (`/dataku berkas`) as a document.
    MyData { file: bool },
    /// `/hapus-data`: ask for the sender's personal data to be erased.
    EraseRequest,
    /// `/nama …`, `/instansi …`: correct one's own name or organisation.
    Correct { field: Correction, value: String },
}

/// What a person may correct of their own record in chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    Name,
    Org,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Handled; `toast` is the short answer to show on a pressed button, if any.
    Handled { toast: Option<String> },
    /// This update was already handled.
    Duplicate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Language,
    Org,
    Name,
    Phone,
    Describe,
    Location,
    Category,
    Attach,
    Summary,
    Edit,
    /// The satisfaction survey after a confirmed ticket.
    Survey,
    /// A complaint about the service, asked after `/keluhan`.
    Complaint,
    /// The report was filed from one message; its buttons add, change or cancel.
    Filed,
    /// A part of the filed ticket is being changed.
    Amend,
}

impl Stage {
    const ALL: [Stage; 14] = [
        Stage::Language,
        Stage::Org,
        Stage::Name,
        Stage::Phone,
        Stage::Describe,
        Stage::Location,
        Stage::Category,
        Stage::Attach,
        Stage::Summary,
        Stage::Edit,
        Stage::Survey,
        Stage::Complaint,
        Stage::Filed,
        Stage::Amend,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Stage::Language => "language",
            Stage::Org => "org",
            Stage::Name => "name",
            Stage::Phone => "phone",
            Stage::Describe => "describe",
            Stage::Location => "location",
            Stage::Category => "category",
            Stage::Attach => "attach",
            Stage::Summary => "summary",
            Stage::Edit => "edit",
            Stage::Survey => "survey",
            Stage::Complaint => "complaint",
            Stage::Filed => "filed",
            Stage::Amend => "amend",
        }
    }

    fn parse(text: &str) -> Stage {
        Stage::ALL.into_iter().find(|s| s.as_str() == text).unwrap_or(Stage::Describe)
    }
}

/// The parts of a draft a reporter may change from the summary, in button order.
const FIELDS: [Stage; 4] = [Stage::Describe, Stage::Location, Stage::Category, Stage::Attach];

/// What the conversation has gathered so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Draft {
    locale: Option<String>,
    org_id: Option<i64>,
    /// Set once the organisation question is settled (picked, or none exist).
    #[serde(default)]
    org_done: bool,
    org_query: Option<String>,
    #[serde(default)]
    page: u32,
    name: Option<String>,
    description: Option<String>,
    location: Option<String>,
    #[serde(default)]
    location_done: bool,
    category: Option<Category>,
    srikandi: Option<String>,
    #[serde(default)]
    files: Vec<SavedFile>,
    #[serde(default)]
    attach_done: bool,
    /// The ticket whose survey is being answered, its number, and the element asked.
    survey_ticket: Option<i64>,
    survey_number: Option<String>,
    #[serde(default)]
    survey_element: u8,
    /// `/keluhan` asked for the complaint's text.
    #[serde(default)]
    complaint: bool,
    /// The one reminder of an unanswered survey was sent.
    #[serde(default)]
    survey_reminded: bool,
    /// The ticket this conversation filed from one message.
    #[serde(default)]
    filed: Option<filed::Filed>,
}

impl Draft {
    /// Take a report's text, and what it already says about place and kind.
    fn describe(&mut self, text: &str) {
        let text = text.trim();
        self.description = Some(text.to_owned());
        if self.category.is_none() {
            self.category = intake::guess_category(text);
        }
        if self.location.is_none() && !self.location_done {
            self.location = intake::guess_location(text);
        }
    }
}

/// How a turn ends.
enum Flow {
    /// Ask whatever is missing next.
    Next,
    /// Ask this question.
    Ask(Stage),
    /// Nothing changes; the replies already queued say why.
    Keep,
    /// Keep the question on screen (its buttons stay valid), save what changed.
    Save,
    /// The conversation is over.
    End,
}

struct Turn<'a> {
    desk: &'a Helpdesk,
    txn: &'a DatabaseTransaction,
    incoming: &'a Incoming,
    person: Option<PersonRecord>,
    stage: Stage,
    draft: Draft,
    revision: i32,
    existed: bool,
    replies: Vec<NewOutbound>,
    toast: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
}

impl Helpdesk {
    /// Handle a message, command or conversation button from `incoming.sender`.
    #[tracing::instrument(skip_all, fields(channel = %incoming.channel))]
    pub async fn receive(&self, incoming: Incoming) -> Result<Received, ServiceError> {
        // Files go to disk first (by content hash): a file without a row is harmless.
        let saved = match &incoming.body {
            Body::Files { files, .. } => {
                if files.iter().any(|f| f.bytes.len() > attachments::MAX_BYTES) {
                    return Err(ServiceError::Invalid("attachment larger than 20 MB".into()));
                }
                files.iter().map(|f| attachments::save_clean(&self.data_dir, f)).collect::<Result<Vec<_>, _>>()?
            }
            _ => Vec::new(),
        };
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        if !inbound::remember(&txn, incoming.channel, &incoming.update_id, now).await? {
            return Ok(Received::Duplicate);
        }
        let person = directory::person_by_identity(&txn, incoming.channel, &incoming.sender).await?;
        let row = conversations::get(&txn, incoming.channel, &incoming.sender).await?;
        let (stage, draft, revision) = match &row {
            Some(row) => (Stage::parse(&row.stage), serde_json::from_str(&row.data).unwrap_or_default(), row.revision),
            None => (Stage::Describe, Draft::default(), 0),
        };
        let mut turn = Turn {
            desk: self,
            txn: &txn,
            incoming: &incoming,
            person,
            stage,
            draft,
            revision,
            existed: row.is_some(),
            replies: Vec::new(),
            toast: None,
            now,
        };
        let first_contact =
            turn.person.is_none() && row.is_none() && !matches!(incoming.body, Body::Command(ChatCommand::Privacy));
        if turn.person.as_ref().is_some_and(|p| !p.active) {
            let text = t!("intake.inactive", locale = turn.locale()).into_owned();
            turn.say(text);
        } else {
            let flow = turn.run(saved).await?;
            turn.finish(flow).await?;
        }
        if first_contact {
            // What SIGAP keeps and why, in the first message a newcomer gets (UU 27/2022
            // Pasal 20: a public service needs no consent, but owes notice).
            let notice = self.privacy.notice(turn.locale());
            match turn.replies.first_mut() {
                Some(first) => {
                    first.message.text.push_str("\n\n");
                    first.message.text.push_str(&notice);
                }
                None => turn.say(notice),
            }
        }
        let Turn { replies, toast, .. } = turn;
        outbox::enqueue(&txn, replies, now).await?;
        txn.commit().await?;
        Ok(Received::Handled { toast })
    }
}

impl Helpdesk {
    /// Queue a plain answer to `address` (a query's result, a refusal) behind whatever was
    /// queued for that chat before.
    pub async fn say(&self, channel: Channel, address: &str, text: String) -> Result<(), ServiceError> {
        let message = super::statuses::answer(&self.db, channel, address, text).await?;
        outbox::enqueue(&self.db, vec![message], self.clock.now()).await?;
        Ok(())
    }
}

impl Turn<'_> {
    fn locale(&self) -> &'static str {
        match (&self.person, &self.draft.locale) {
            (Some(person), _) => i18n::locale(&person.locale),
            (None, Some(locale)) => i18n::locale(locale),
            (None, None) => "id",
        }
    }

    fn registered(&self) -> bool {
        self.person.is_some()
    }

    fn say(&mut self, text: String) {
        self.send(OutboundMessage::text(text));
    }

    fn send(&mut self, mut message: OutboundMessage) {
        if message.list_label.is_none() && !message.choices.is_empty() {
            message.list_label = Some(t!("list.choose", locale = self.locale()).into_owned());
        }
        self.replies.push(NewOutbound {
            person_id: self.person.as_ref().map(|p| p.id),
            channel: self.incoming.channel,
            address: self.incoming.reply_to.clone(),
            ticket_id: None,
            kind: kind::CONVERSATION,
            message,
        });
    }

    fn choice(&self, label: String, pick: Pick) -> ChoiceButton {
        ChoiceButton { label, choice: Choice { revision: self.revision + 1, pick } }
    }

    async fn run(&mut self, saved: Vec<SavedFile>) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        if self.draft.filed.is_some() {
            match self.incoming.body.clone() {
                Body::Choice(choice) if self.existed && choice.revision == self.revision => {
                    return self.filed_pick(choice.pick).await;
                }
                Body::Files { caption, .. } if self.in_attach_window() => {
                    let caption = caption.trim().to_owned();
                    if caption.chars().count() > MAX_NOTE_CHARS {
                        return Ok(self.too_long(&caption));
                    }
                    return self.attach(saved, &caption).await;
                }
                Body::Text(text) if self.stage == Stage::Amend => {
                    if text.trim().chars().count() > MAX_NOTE_CHARS {
                        return Ok(self.too_long(&text));
                    }
                    return self.amend_text(text.trim()).await;
                }
                // Said right after filing, a letter number or a line that is not a report of
                // its own (no place and kind) belongs to the ticket just filed.
                Body::Text(text)
                    if self.in_attach_window()
                        && (intake::looks_like_letter_number(&text)
                            || intake::guess_location(&text).is_none()
                            || intake::guess_category(&text).is_none()) =>
                {
                    if text.trim().chars().count() > MAX_NOTE_CHARS {
                        return Ok(self.too_long(&text));
                    }
                    return self.attach(Vec::new(), text.trim()).await;
                }
                Body::Command(ChatCommand::Cancel) => {
                    let number = self.draft.filed.as_ref().map(|f| f.number.clone()).unwrap_or_default();
                    self.say(t!("intake.filed_kept", locale = locale, number = number).into_owned());
                    return Ok(Flow::End);
                }
                Body::Choice(_) => {}
                // Anything else starts afresh: the filed ticket is done with.
                _ => {
                    self.draft = Draft::default();
                    self.existed = false;
                    self.stage = Stage::Describe;
                }
            }
        }
        match self.incoming.body.clone() {
            Body::Command(ChatCommand::Start(Some(code))) => self.redeem(&code).await,
            Body::Command(ChatCommand::Cancel) => self.cancel().await,
            Body::Command(ChatCommand::Search(text)) => self.search(&text).await,
            Body::Command(ChatCommand::Monthly(period)) => self.monthly(&period).await,
            Body::Command(ChatCommand::Answer { id, text }) => self.answer_complaint(&id, &text).await,
            Body::Command(ChatCommand::Link { parent, child }) => self.link_command(&parent, &child).await,
            Body::Command(ChatCommand::Unlink(child)) => self.unlink_command(&child).await,
            Body::Command(ChatCommand::Privacy) => Ok(self.privacy_notice()),
            Body::Command(ChatCommand::MyData { file }) => self.my_data(file).await,
            Body::Command(ChatCommand::EraseRequest) => self.erase_request().await,
            Body::Command(ChatCommand::Correct { field, value }) => self.correct(field, &value).await,
            Body::Command(ChatCommand::Complain) => {
                if !self.registered() {
                    // A newcomer registers first, as with a report.
                    self.existed = true;
                    return Ok(Flow::Next);
                }
                self.draft = Draft { complaint: true, ..Draft::default() };
                self.existed = true;
                Ok(Flow::Ask(Stage::Complaint))
            }
            Body::Command(ChatCommand::Start(None)) if self.registered() => {
                let help = self.help().await?;
                self.say(help);
                Ok(Flow::Keep)
            }
            Body::Command(ChatCommand::Start(None) | ChatCommand::Report) if !self.registered() => {
                self.existed = true;
                Ok(Flow::Next)
            }
            Body::Command(ChatCommand::Report | ChatCommand::Start(None)) => {
                // A new report starts from nothing; an unfinished one is dropped.
                self.draft = Draft::default();
                self.existed = true;
                self.say(t!("intake.report_start", locale = locale).into_owned());
                Ok(Flow::Next)
            }
            Body::Choice(choice) => {
                if !self.existed || choice.revision != self.revision {
                    self.toast = Some(t!("press.forged", locale = locale).into_owned());
                    return Ok(Flow::Keep);
                }
                self.pick(choice.pick).await
            }
            Body::Unsupported => {
                self.say(t!("intake.unsupported", locale = locale).into_owned());
                Ok(Flow::Keep)
            }
            Body::Text(text) => self.text(&text).await,
            Body::Files { caption, .. } => {
                let caption = caption.trim();
                if caption.chars().count() > MAX_NOTE_CHARS {
                    return Ok(self.too_long(caption));
                }
                self.draft.files.extend(saved);
                if self.draft.description.is_none() && !caption.is_empty() {
                    self.draft.describe(caption);
                    if !self.existed && self.complete_in_one() {
                        self.existed = true;
                        return self.file_now().await;
                    }
                } else if self.stage == Stage::Attach
                    && !caption.is_empty()
                    && intake::looks_like_letter_number(caption)
                {
                    self.draft.srikandi = Some(caption.to_owned());
                }
                self.existed = true;
                let count = self.draft.files.len();
                self.say(t!("intake.file_added", locale = locale, count = count).into_owned());
                Ok(Flow::Next)
            }
            Body::Contact { phone, own } => {
                if self.stage == Stage::Phone && self.existed && !self.registered() {
                    self.register_phone(&phone, own).await
                } else {
                    Ok(Flow::Next)
                }
            }
        }
    }

    fn too_long(&mut self, text: &str) -> Flow {
        let got = text.chars().count();
        self.say(t!("intake.too_long", locale = self.locale(), got = got, max = MAX_NOTE_CHARS).into_owned());
        Flow::Keep
    }

    async fn text(&mut self, text: &str) -> Result<Flow, ServiceError> {
        if text.trim().chars().count() > MAX_NOTE_CHARS {
            return Ok(self.too_long(text));
        }
        let text = text.trim();
        if !self.existed {
            // A first message is the report itself; a newcomer's is kept for after registering.
            self.existed = true;
            self.draft.describe(text);
            if self.complete_in_one() {
                return self.file_now().await;
            }
            return Ok(Flow::Next);
        }
        let locale = self.locale();
        if self.stage == Stage::Complaint {
            return self.file_complaint(text).await;
        }
        if self.stage == Stage::Survey {
            return match text.parse::<u8>() {
                Ok(score) if (1..=4).contains(&score) => self.rate(Some(score)).await,
                // Anything else is a new message: the survey was optional.
                _ => {
                    self.draft = Draft::default();
                    self.existed = false;
                    Box::pin(self.text(text)).await
                }
            };
        }
        match self.stage {
            Stage::Language => {
                if self.draft.description.is_none() {
                    self.draft.describe(text);
                }
            }
            Stage::Org => {
                self.draft.org_query = Some(text.to_owned());
                self.draft.page = 0;
            }
            Stage::Name => {
                let letters = text.chars().filter(|c| c.is_alphabetic()).count();
                if letters < 2 || text.chars().count() > MAX_NAME_CHARS {
                    self.say(t!("onboard.name_invalid", locale = locale).into_owned());
                } else {
                    self.draft.name = Some(text.to_owned());
                    if !self.needs_phone() {
                        return self.register(None, false).await;
                    }
                }
            }
            Stage::Phone => return self.register_phone(text, false).await,
            Stage::Describe => self.draft.describe(text),
            Stage::Location => {
                self.draft.location = Some(text.to_owned());
                self.draft.location_done = true;
            }
            Stage::Category => match intake::guess_category(text) {
                Some(category) => self.draft.category = Some(category),
                None => self.say(t!("intake.category_by_button", locale = locale).into_owned()),
            },
            Stage::Attach => {
                if intake::looks_like_letter_number(text) {
                    self.draft.srikandi = Some(text.to_owned());
                } else if is_no(text) {
                    self.draft.attach_done = true;
                } else {
                    self.say(t!("intake.attach_hint", locale = locale).into_owned());
                }
            }
            Stage::Summary | Stage::Edit => self.say(t!("intake.use_buttons", locale = locale).into_owned()),
            Stage::Survey | Stage::Complaint | Stage::Filed | Stage::Amend => {}
        }
        Ok(Flow::Next)
    }

    async fn pick(&mut self, pick: Pick) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        match (self.stage, pick) {
            (Stage::Language, Pick::Locale(index)) => {
                let chosen = i18n::LOCALES.get(usize::from(index)).copied().unwrap_or("id");
                self.draft.locale = Some(chosen.to_owned());
            }
            (Stage::Org, Pick::Org(id)) => match directory::org_by_id(self.txn, id).await? {
                Some(org) if org.active => {
                    self.draft.org_id = Some(org.id);
                    self.draft.org_done = true;
                }
                _ => self.toast = Some(t!("press.forged", locale = locale).into_owned()),
            },
            (Stage::Org, Pick::Page(page)) => self.draft.page = page,
            (Stage::Org, Pick::Skip) => {
                // "Show all" after a search.
                self.draft.org_query = None;
                self.draft.page = 0;
            }
            (Stage::Location, Pick::Skip) => self.draft.location_done = true,
            (Stage::Category, Pick::Category(index)) => {
                self.draft.category = Category::ALL.get(usize::from(index)).copied();
            }
            (Stage::Attach, Pick::Skip) => self.draft.attach_done = true,
            (Stage::Summary, Pick::Submit) => return self.submit().await,
            (Stage::Summary, Pick::Edit) => return Ok(Flow::Ask(Stage::Edit)),
            (Stage::Edit, Pick::Field(index)) => match FIELDS.get(usize::from(index)) {
                Some(Stage::Describe) => self.draft.description = None,
                Some(Stage::Location) => {
                    self.draft.location = None;
                    self.draft.location_done = false;
                }
                Some(Stage::Category) => self.draft.category = None,
                Some(Stage::Attach) => {
                    self.draft.files.clear();
                    self.draft.srikandi = None;
                    self.draft.attach_done = false;
                }
                // "Back": nothing cleared, so the summary comes again.
                _ => {}
            },
            (Stage::Survey, Pick::Score(score)) if (1..=4).contains(&score) => return self.rate(Some(score)).await,
            (Stage::Survey, Pick::Skip) => return self.rate(None).await,
            (Stage::Survey, Pick::Cancel) => {
                self.say(t!("survey.stopped", locale = locale).into_owned());
                return Ok(Flow::End);
            }
            (_, Pick::Cancel) => return self.cancel().await,
            _ => {
                self.toast = Some(t!("press.forged", locale = locale).into_owned());
                return Ok(Flow::Keep);
            }
        }
        Ok(Flow::Next)
    }

    fn needs_phone(&self) -> bool {
        // On WhatsApp the number is the identity already.
        self.incoming.channel == Channel::Telegram
    }

    /// The stage that asks for what is still missing (the summary when nothing is).
    fn next_stage(&self) -> Stage {
        let d = &self.draft;
        if self.registered() && d.survey_ticket.is_some() {
            return Stage::Survey;
        }
        if self.registered() && d.complaint {
            return Stage::Complaint;
        }
        if !self.registered() {
            return if d.locale.is_none() {
                Stage::Language
            } else if !d.org_done {
                Stage::Org
            } else if d.name.is_none() {
                Stage::Name
            } else {
                Stage::Phone
            };
        }
        if d.description.is_none() {
            Stage::Describe
        } else if d.location.is_none() && !d.location_done {
            Stage::Location
        } else if d.category.is_none() {
            Stage::Category
        } else if d.files.is_empty() && d.srikandi.is_none() && !d.attach_done {
            Stage::Attach
        } else {
            Stage::Summary
        }
    }

    async fn finish(&mut self, flow: Flow) -> Result<(), ServiceError> {
        match flow {
            Flow::End => {
                conversations::delete(self.txn, self.incoming.channel, &self.incoming.sender).await?;
                Ok(())
            }
            Flow::Keep => Ok(()),
            Flow::Save => self.save().await,
            Flow::Next | Flow::Ask(_) => {
                if !self.registered() && self.draft.locale.is_some() && !self.draft.org_done {
                    // With no organisation registered yet, there is nothing to pick from.
                    self.draft.org_done = directory::search_orgs(self.txn, "").await?.is_empty();
                }
                let stage = match flow {
                    Flow::Ask(stage) => stage,
                    _ => self.next_stage(),
                };
                self.stage = stage;
                self.ask().await?;
                self.revision += 1;
                self.save().await
            }
        }
    }

    /// Keep the conversation's stage, draft and revision.
    async fn save(&mut self) -> Result<(), ServiceError> {
        let data = serde_json::to_string(&self.draft).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let row = ConversationRow {
            channel: self.incoming.channel.as_str().to_owned(),
            sender: self.incoming.sender.clone(),
            reply_to: self.incoming.reply_to.clone(),
            stage: self.stage.as_str().to_owned(),
            data,
            revision: self.revision,
            updated_at: self.now,
        };
        conversations::put(self.txn, row).await?;
        Ok(())
    }

    /// Queue the question of the current stage.
    async fn ask(&mut self) -> Result<(), ServiceError> {
        let locale = self.locale();
        let mut message = OutboundMessage::default();
        match self.stage {
            Stage::Language => {
                message.text = t!("onboard.welcome", office = self.desk.sop.sop.header.office.clone()).into_owned();
                message.choices = i18n::LOCALES
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        self.choice(t!("onboard.language_name", locale = l).into_owned(), Pick::Locale(i as u8))
                    })
                    .collect();
            }
            Stage::Org => return self.ask_org().await,
            Stage::Name => message.text = t!("onboard.ask_name", locale = locale).into_owned(),
            Stage::Phone => {
                message.text = t!("onboard.ask_phone", locale = locale).into_owned();
                message.share_contact = Some(t!("onboard.share_contact", locale = locale).into_owned());
            }
            Stage::Describe => message.text = t!("intake.ask_description", locale = locale).into_owned(),
            Stage::Location => {
                message.text = t!("intake.ask_location", locale = locale).into_owned();
                message.choices = vec![self.choice(t!("intake.skip", locale = locale).into_owned(), Pick::Skip)];
            }
            Stage::Category => {
                message.text = t!("intake.ask_category", locale = locale).into_owned();
                message.choices = Category::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.choice(i18n::category(locale, *c), Pick::Category(i as u8)))
                    .collect();
            }
            Stage::Attach => {
                message.text = t!("intake.ask_attach", locale = locale).into_owned();
                message.choices = vec![self.choice(t!("intake.skip", locale = locale).into_owned(), Pick::Skip)];
            }
            Stage::Summary => {
                message.text = self.summary().await?;
                message.choices = vec![
                    self.choice(t!("intake.submit", locale = locale).into_owned(), Pick::Submit),
                    self.choice(t!("intake.edit", locale = locale).into_owned(), Pick::Edit),
                    self.choice(t!("intake.cancel", locale = locale).into_owned(), Pick::Cancel),
                ];
            }
            Stage::Edit => message = self.edit_question(),
            Stage::Filed => message = self.filed_question(),
            Stage::Amend => message = self.amend_question(),
            Stage::Complaint => message.text = t!("complaint.ask", locale = locale).into_owned(),
            Stage::Survey => {
                let number = self.draft.survey_number.clone().unwrap_or_default();
                message = survey_question(locale, &number, self.draft.survey_element, self.revision + 1);
            }
        }
        self.send(message);
        Ok(())
    }

    fn edit_question(&self) -> OutboundMessage {
        let locale = self.locale();
        let mut choices: Vec<ChoiceButton> = FIELDS
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let label = t!(format!("intake.field_{}", f.as_str()), locale = locale).into_owned();
                self.choice(label, Pick::Field(i as u8))
            })
            .collect();
        choices.push(self.choice(t!("intake.back", locale = locale).into_owned(), Pick::Field(u8::MAX)));
        OutboundMessage { text: t!("intake.ask_edit", locale = locale).into_owned(), choices, ..Default::default() }
    }
}

impl Turn<'_> {
    async fn summary(&self) -> Result<String, ServiceError> {
        let locale = self.locale();
        let org_id = self.person.as_ref().and_then(|p| p.org_id);
        let org = match org_id {
            Some(id) => directory::org_by_id(self.txn, id).await?.map(|o| o.name),
            None => None,
        };
        let d = &self.draft;
        let none = || "-".to_owned();
        Ok(t!(
            "intake.summary",
            locale = locale,
            org = org.unwrap_or_else(none),
            location = d.location.clone().unwrap_or_else(none),
            category = d.category.map_or_else(none, |c| i18n::category(locale, c)),
            description = d.description.clone().unwrap_or_else(none),
            files = d.files.len(),
            letter = d.srikandi.clone().unwrap_or_else(none)
        )
        .into_owned())
    }

    async fn submit(&mut self) -> Result<Flow, ServiceError> {
        Ok(match self.create_ticket().await? {
            Some(_) => Flow::End,
            None => Flow::Next,
        })
    }

    /// The draft as a ticket, in this turn's transaction; `None` when it cannot be one yet.
    async fn create_ticket(&mut self) -> Result<Option<super::Created>, ServiceError> {
        let Some(person) = self.person.clone() else { return Ok(None) };
        let d = self.draft.clone();
        let Some(description) = d.description.clone() else { return Ok(None) };
        let report = NewReport {
            reporter_id: person.id,
            channel: self.incoming.channel,
            org_id: None,
            location: d.location.clone(),
            category: d.category.unwrap_or(Category::Other),
            description: description.clone(),
            srikandi_number: d.srikandi.clone(),
            attachments: Vec::new(),
        };
        // The reporter's acknowledgement (number, expected completion) comes from the report.
        let created = self.desk.create_in(self.txn, &report, &description, &d.files, self.now).await?;
        self.desk.metrics().tickets_created.inc();
        tracing::info!(ticket = %created.number, "report received by conversation");
        Ok(Some(created))
    }

    async fn cancel(&mut self) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let mut dropped = self.existed;
        if let Some(person) = &self.person
            && inbound::pending(self.txn, person.id).await?.is_some()
        {
            inbound::clear_pending(self.txn, person.id).await?;
            dropped = true;
        }
        let key = if dropped { "intake.cancelled" } else { "intake.nothing_to_cancel" };
        self.say(t!(key, locale = locale).into_owned());
        Ok(Flow::End)
    }

    async fn help(&self) -> Result<String, ServiceError> {
        let person = self.person.as_ref().ok_or(ServiceError::UnknownPerson)?;
        Ok(super::queries::help(person, self.locale()))
    }
}

fn is_no(text: &str) -> bool {
    let plain = text.trim().trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    [
        "tidak",
        "tidak ada",
        "tdk",
        "tdk ada",
        "gak",
        "gak ada",
        "nggak",
        "ga ada",
        "no",
        "none",
        "skip",
        "lewati",
        "-",
        "",
    ]
    .contains(&plain.as_str())
}
