//! Building requests from plain inputs so that only valid ones exist: counts checked, texts
//! cut to their limits, ids refused rather than changed.

use super::fit::{truncate, unique_titles};
use super::{
    Body, ButtonAction, Content, Context, Header, Interactive, ListAction, MAX_BUTTON_BODY, MAX_BUTTON_ID,
    MAX_BUTTON_TITLE, MAX_CAPTION, MAX_HEADER, MAX_LIST_BODY, MAX_LIST_LABEL, MAX_LIST_ROWS, MAX_REPLY_BUTTONS,
    MAX_ROW_DESCRIPTION, MAX_ROW_ID, MAX_ROW_TITLE, MAX_TEXT, MIN_REPLY_BUTTONS, Media, MessageRequest, Reply,
    ReplyButton, Row, Section, TemplateMessage, Text,
};

/// One option offered to the recipient: a reply button or a list row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What comes back in the reply webhook when it is chosen.
    pub id: String,
    pub title: String,
    /// Shown under the title in lists; reply buttons have none.
    pub description: Option<String>,
}

/// Why a request could not be built. Only ids are never cut (a cut id means something else),
/// so these are the caller's mistakes, not the text's length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("{what}: {count} given, {min} to {max} allowed")]
    Count { what: &'static str, count: usize, min: usize, max: usize },
    #[error("{what} is empty")]
    Empty { what: &'static str },
    #[error("{what} `{value}` is longer than {max} characters")]
    TooLong { what: &'static str, value: String, max: usize },
    #[error("{what} `{value}` starts or ends with a space")]
    Padded { what: &'static str, value: String },
    #[error("{what} `{value}` is used twice")]
    Duplicate { what: &'static str, value: String },
}

impl MessageRequest {
    fn new(to: &str, content: Content) -> Self {
        MessageRequest {
            messaging_product: "whatsapp",
            recipient_type: "individual",
            to: to.trim_start_matches('+').to_owned(),
            context: None,
            biz_opaque_callback_data: None,
            content,
        }
    }

    /// Tag the message as part `part` of outbox row `outbox_id` (see [`part_tag`]).
    pub fn tagged(mut self, outbox_id: i64, part: usize) -> Self {
        self.biz_opaque_callback_data = Some(part_tag(outbox_id, part));
        self
    }

    /// A text message; the body is cut to [`MAX_TEXT`] (split longer texts first).
    pub fn text(to: &str, body: &str) -> Self {
        Self::new(to, Content::Text { text: Text { body: truncate(body, MAX_TEXT), preview_url: false } })
    }

    pub fn image(to: &str, media_id: &str, caption: Option<&str>) -> Self {
        let image =
            Media { id: media_id.to_owned(), caption: caption.map(|c| truncate(c, MAX_CAPTION)), filename: None };
        Self::new(to, Content::Image { image })
    }

    pub fn document(to: &str, media_id: &str, caption: Option<&str>, filename: Option<&str>) -> Self {
        let document = Media {
            id: media_id.to_owned(),
            caption: caption.map(|c| truncate(c, MAX_CAPTION)),
            filename: filename.map(str::to_owned),
        };
        Self::new(to, Content::Document { document })
    }

    pub fn template(to: &str, template: TemplateMessage) -> Self {
        Self::new(to, Content::Template { template })
    }

    /// Quote the message `message_id` (a `wamid.…`).
    pub fn replying_to(mut self, message_id: &str) -> Self {
        self.context = Some(Context { message_id: message_id.to_owned() });
        self
    }

    /// 1 to 3 reply buttons under `body` (cut to [`MAX_BUTTON_BODY`]); titles cut to
    /// [`MAX_BUTTON_TITLE`] and kept unique.
    pub fn reply_buttons(to: &str, body: &str, choices: &[Choice]) -> Result<Self, BuildError> {
        count("reply buttons", choices.len(), MIN_REPLY_BUTTONS, MAX_REPLY_BUTTONS)?;
        let body = non_empty("button message body", body, MAX_BUTTON_BODY)?;
        check_ids("button id", choices, MAX_BUTTON_ID)?;
        let titles = fitted_titles("button title", choices, MAX_BUTTON_TITLE)?;
        let buttons = choices
            .iter()
            .zip(titles)
            .map(|(choice, title)| ReplyButton { kind: "reply", reply: Reply { id: choice.id.clone(), title } })
            .collect();
        Ok(Self::new(
            to,
            Content::Interactive { interactive: Interactive::Button { body, action: ButtonAction { buttons } } },
        ))
    }

    /// A list of 1 to 10 rows in one section, opened by a button labelled `label`; texts cut
    /// to their limits.
    pub fn list(
        to: &str,
        header: Option<&str>,
        body: &str,
        label: &str,
        choices: &[Choice],
    ) -> Result<Self, BuildError> {
        count("list rows", choices.len(), 1, MAX_LIST_ROWS)?;
        let body = non_empty("list body", body, MAX_LIST_BODY)?;
        let label = non_empty("list button label", label, MAX_LIST_LABEL)?.text;
        check_ids("row id", choices, MAX_ROW_ID)?;
        let titles = fitted_titles("row title", choices, MAX_ROW_TITLE)?;
        let rows = choices
            .iter()
            .zip(titles)
            .map(|(choice, title)| Row {
                id: choice.id.clone(),
                // A name cut to the title's 24 characters is written out in full below it.
                description: choice
                    .description
                    .as_deref()
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .or_else(|| (title != choice.title.trim()).then_some(choice.title.trim()))
                    .map(|d| truncate(d, MAX_ROW_DESCRIPTION)),
                title,
            })
            .collect();
        let header = header
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|text| Header { kind: "text", text: truncate(text, MAX_HEADER) });
        let action = ListAction { button: label, sections: vec![Section { title: None, rows }] };
        Ok(Self::new(to, Content::Interactive { interactive: Interactive::List { header, body, action } }))
    }
}

fn count(what: &'static str, count: usize, min: usize, max: usize) -> Result<(), BuildError> {
    if (min..=max).contains(&count) { Ok(()) } else { Err(BuildError::Count { what, count, min, max }) }
}

fn non_empty(what: &'static str, text: &str, max: usize) -> Result<Body, BuildError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(BuildError::Empty { what });
    }
    Ok(Body { text: truncate(text, max) })
}

/// Ids are machine-made: empty, too long, padded or repeated ones are refused, never changed.
fn check_ids(what: &'static str, choices: &[Choice], max: usize) -> Result<(), BuildError> {
    for (i, choice) in choices.iter().enumerate() {
        let id = choice.id.as_str();
        if id.trim().is_empty() {
            return Err(BuildError::Empty { what });
        }
        if id.chars().count() > max {
            return Err(BuildError::TooLong { what, value: id.to_owned(), max });
        }
        if id.trim() != id {
            return Err(BuildError::Padded { what, value: id.to_owned() });
        }
        if choices[..i].iter().any(|c| c.id == id) {
            return Err(BuildError::Duplicate { what, value: id.to_owned() });
        }
    }
    Ok(())
}

fn fitted_titles(what: &'static str, choices: &[Choice], max: usize) -> Result<Vec<String>, BuildError> {
    if choices.iter().any(|c| c.title.trim().is_empty()) {
        return Err(BuildError::Empty { what });
    }
    Ok(unique_titles(choices.iter().map(|c| c.title.as_str()), max))
}

/// The tag a sent message carries back on its statuses.
pub fn part_tag(outbox_id: i64, part: usize) -> String {
    format!("sigap:{outbox_id}:{part}")
}

/// The outbox row and part a status's tag names, if it is one of SIGAP's.
pub fn parse_part_tag(tag: &str) -> Option<(i64, usize)> {
    let rest = tag.strip_prefix("sigap:")?;
    let (id, part) = rest.split_once(':')?;
    Some((id.parse().ok()?, part.parse().ok()?))
}
