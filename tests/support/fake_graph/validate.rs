//! What Meta accepts in a `POST /{v}/{phone-number-id}/messages` body: schema `Message` of the
//! v23.0 spec (required fields, `type` naming its object, no stray objects) and its limits,
//! coded here independently of the client so that a wrong constant there shows up as a
//! breach. Limits only documented in prose (text and list bodies up to 4096) are marked.

use std::collections::HashSet;

use serde_json::{Map, Value};

/// Prose limit of Meta's docs: text message bodies.
const TEXT_BODY: usize = 4096;
/// `MediaObject.caption`.
const CAPTION: usize = 1024;
/// `BodyObject.text`.
const BUTTON_BODY: usize = 1024;
/// Prose limit of Meta's docs: list message bodies.
const LIST_BODY: usize = 4096;
/// `HeaderObject.text`, `FooterObject.text`.
const HEADER: usize = 60;
const FOOTER: usize = 60;
/// `ActionObject.buttons` and its reply.
const BUTTONS: (usize, usize) = (1, 3);
const BUTTON_ID: usize = 256;
const BUTTON_TITLE: usize = 20;
/// `ActionObject.button`, `ActionObject.sections`, `SectionObject`.
const LIST_BUTTON: usize = 20;
const SECTIONS: (usize, usize) = (1, 10);
const ROWS_IN_TOTAL: usize = 10;
const SECTION_TITLE: usize = 24;
const ROW_ID: usize = 200;
const ROW_TITLE: usize = 24;
const ROW_DESCRIPTION: usize = 72;

const TYPES: [&str; 11] = [
    "text",
    "audio",
    "document",
    "image",
    "location",
    "video",
    "sticker",
    "reaction",
    "interactive",
    "template",
    "contacts",
];

/// Every problem with a read receipt ("Send typing indicator and read receipt").
pub fn read_receipt(body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if body.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        problems.push("messaging_product must be \"whatsapp\"".to_owned());
    }
    if body.get("status").and_then(Value::as_str) != Some("read") {
        problems.push(format!("status must be \"read\", got {}", body["status"]));
    }
    if !body.get("message_id").and_then(Value::as_str).is_some_and(|id| id.starts_with("wamid.")) {
        problems.push(format!("message_id must be a wamid, got {}", body["message_id"]));
    }
    if let Some(indicator) = body.get("typing_indicator")
        && indicator.get("type").and_then(Value::as_str) != Some("text")
    {
        problems.push("typing_indicator.type must be \"text\"".to_owned());
    }
    problems
}

/// Every problem with `body`; empty when Meta would accept it.
pub fn message(body: &Value, media_exists: impl Fn(&str) -> bool) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(body) = body.as_object() else {
        return vec!["the body is not a JSON object".into()];
    };
    match body.get("messaging_product").and_then(Value::as_str) {
        Some("whatsapp") => {}
        other => problems.push(format!("messaging_product must be \"whatsapp\", got {other:?}")),
    }
    match body.get("recipient_type").and_then(Value::as_str) {
        Some("individual" | "group") => {}
        other => problems.push(format!("recipient_type must be individual or group, got {other:?}")),
    }
    match body.get("to").and_then(Value::as_str) {
        Some(to) if !to.is_empty() && to.trim_start_matches('+').bytes().all(|b| b.is_ascii_digit()) => {}
        other => problems.push(format!("to must be a phone number, got {other:?}")),
    }
    if let Some(context) = body.get("context")
        && context.get("message_id").and_then(Value::as_str).is_none_or(str::is_empty)
    {
        problems.push("context.message_id is required".into());
    }
    let Some(kind) = body.get("type").and_then(Value::as_str) else {
        problems.push("type is required".into());
        return problems;
    };
    if !TYPES.contains(&kind) {
        problems.push(format!("type `{kind}` is not a message type"));
        return problems;
    }
    for key in body.keys() {
        let allowed = ["messaging_product", "recipient_type", "to", "type", "context", "biz_opaque_callback_data"];
        if !allowed.contains(&key.as_str()) && key != kind {
            problems.push(format!("`{key}` is not allowed in a `{kind}` message"));
        }
    }
    let Some(object) = body.get(kind).and_then(Value::as_object) else {
        problems.push(format!("type `{kind}` requires a `{kind}` object"));
        return problems;
    };
    let mut check = Check { problems: &mut problems, media_exists: &media_exists };
    match kind {
        "text" => check.text(object),
        "image" | "video" | "audio" | "sticker" | "document" => check.media(kind, object),
        "interactive" => check.interactive(object),
        "template" => check.template(object),
        _ => {}
    }
    problems
}

struct Check<'a, F> {
    problems: &'a mut Vec<String>,
    media_exists: &'a F,
}

impl<F: Fn(&str) -> bool> Check<'_, F> {
    fn fail(&mut self, problem: String) {
        self.problems.push(problem);
    }

    /// A string field: present when `required`, not blank, at most `max` characters.
    fn string<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        path: &str,
        field: &str,
        required: bool,
        max: usize,
    ) -> Option<&'v str> {
        match object.get(field) {
            None if required => self.fail(format!("{path}.{field} is required")),
            None => {}
            Some(Value::String(s)) if s.trim().is_empty() => self.fail(format!("{path}.{field} is empty")),
            Some(Value::String(s)) if s.chars().count() > max => {
                self.fail(format!("{path}.{field} has {} characters, at most {max} allowed", s.chars().count()))
            }
            Some(Value::String(s)) => return Some(s),
            Some(other) => self.fail(format!("{path}.{field} must be a string, got {other}")),
        }
        None
    }

    fn only(&mut self, object: &Map<String, Value>, path: &str, allowed: &[&str]) {
        for key in object.keys().filter(|k| !allowed.contains(&k.as_str())) {
            self.fail(format!("{path}.{key} is not allowed"));
        }
    }

    fn text(&mut self, text: &Map<String, Value>) {
        self.string(text, "text", "body", true, TEXT_BODY);
        if text.get("preview_url").is_some_and(|v| !v.is_boolean()) {
            self.fail("text.preview_url must be a boolean".into());
        }
        self.only(text, "text", &["body", "preview_url"]);
    }

    fn media(&mut self, kind: &str, media: &Map<String, Value>) {
        match (media.get("id"), media.get("link")) {
            (Some(Value::String(id)), None) => {
                if !(self.media_exists)(id) {
                    self.fail(format!("{kind}.id `{id}` is not an uploaded medium"));
                }
            }
            (None, Some(Value::String(_))) => {}
            _ => self.fail(format!("{kind} needs exactly one of id and link")),
        }
        let mut allowed = vec!["id", "link"];
        if matches!(kind, "image" | "video" | "document") {
            allowed.push("caption");
            self.string(media, kind, "caption", false, CAPTION);
        }
        if kind == "document" {
            allowed.push("filename");
            self.string(media, kind, "filename", false, 240);
        }
        self.only(media, kind, &allowed);
    }

    fn interactive(&mut self, interactive: &Map<String, Value>) {
        let kind = interactive.get("type").and_then(Value::as_str).unwrap_or_default();
        let body_max = match kind {
            "button" => BUTTON_BODY,
            "list" => LIST_BODY,
            other => return self.fail(format!("interactive.type `{other}`: the fake implements button and list")),
        };
        match interactive.get("body").and_then(Value::as_object) {
            Some(body) => {
                self.string(body, "interactive.body", "text", true, body_max);
            }
            None => self.fail("interactive.body is required".into()),
        }
        if let Some(header) = interactive.get("header").and_then(Value::as_object) {
            if header.get("type").and_then(Value::as_str) != Some("text") {
                self.fail("interactive.header.type: only text headers are expected".into());
            }
            self.string(header, "interactive.header", "text", true, HEADER);
        }
        if let Some(footer) = interactive.get("footer").and_then(Value::as_object) {
            self.string(footer, "interactive.footer", "text", true, FOOTER);
        }
        self.only(interactive, "interactive", &["type", "header", "body", "footer", "action"]);
        let Some(action) = interactive.get("action").and_then(Value::as_object) else {
            return self.fail("interactive.action is required".into());
        };
        if kind == "button" { self.buttons(action) } else { self.list(action) }
    }

    fn buttons(&mut self, action: &Map<String, Value>) {
        let buttons = action.get("buttons").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        if !(BUTTONS.0..=BUTTONS.1).contains(&buttons.len()) {
            self.fail(format!("action.buttons has {} buttons, {}-{} allowed", buttons.len(), BUTTONS.0, BUTTONS.1));
        }
        let (mut ids, mut titles) = (HashSet::new(), HashSet::new());
        for (i, button) in buttons.iter().enumerate() {
            let path = format!("action.buttons[{i}]");
            if button.get("type").and_then(Value::as_str) != Some("reply") {
                self.fail(format!("{path}.type must be reply"));
            }
            let Some(reply) = button.get("reply").and_then(Value::as_object) else {
                self.fail(format!("{path}.reply is required"));
                continue;
            };
            let reply_path = format!("{path}.reply");
            if let Some(id) = self.string(reply, &reply_path, "id", true, BUTTON_ID) {
                if id.trim() != id {
                    self.fail(format!("{reply_path}.id has leading or trailing spaces"));
                }
                if !ids.insert(id.to_owned()) {
                    self.fail(format!("{reply_path}.id `{id}` is not unique"));
                }
            }
            if let Some(title) = self.string(reply, &reply_path, "title", true, BUTTON_TITLE)
                && !titles.insert(title.to_owned())
            {
                self.fail(format!("{reply_path}.title `{title}` is not unique"));
            }
        }
    }

    fn list(&mut self, action: &Map<String, Value>) {
        self.string(action, "action", "button", true, LIST_BUTTON);
        let sections = action.get("sections").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        if !(SECTIONS.0..=SECTIONS.1).contains(&sections.len()) {
            self.fail(format!(
                "action.sections has {} sections, {}-{} allowed",
                sections.len(),
                SECTIONS.0,
                SECTIONS.1
            ));
        }
        let mut ids = HashSet::new();
        let mut total = 0;
        for (i, section) in sections.iter().enumerate() {
            let path = format!("action.sections[{i}]");
            let Some(section) = section.as_object() else {
                self.fail(format!("{path} is not an object"));
                continue;
            };
            self.string(section, &path, "title", sections.len() > 1, SECTION_TITLE);
            let rows = section.get("rows").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            if rows.is_empty() {
                self.fail(format!("{path}.rows is empty"));
            }
            total += rows.len();
            for (j, row) in rows.iter().enumerate() {
                let row_path = format!("{path}.rows[{j}]");
                let Some(row) = row.as_object() else {
                    self.fail(format!("{row_path} is not an object"));
                    continue;
                };
                if let Some(id) = self.string(row, &row_path, "id", true, ROW_ID)
                    && !ids.insert(id.to_owned())
                {
                    self.fail(format!("{row_path}.id `{id}` is not unique"));
                }
                self.string(row, &row_path, "title", true, ROW_TITLE);
                self.string(row, &row_path, "description", false, ROW_DESCRIPTION);
            }
        }
        if total > ROWS_IN_TOTAL {
            self.fail(format!("the list has {total} rows, at most {ROWS_IN_TOTAL} allowed"));
        }
    }

    fn template(&mut self, template: &Map<String, Value>) {
        self.string(template, "template", "name", true, 512);
        match template.get("language").and_then(Value::as_object) {
            Some(language) => {
                self.string(language, "template.language", "code", true, 15);
            }
            None => self.fail("template.language is required".into()),
        }
        let components = template.get("components").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for (i, component) in components.iter().enumerate() {
            let kind = component.get("type").and_then(Value::as_str).unwrap_or_default();
            if !["header", "body", "button"].contains(&kind) {
                self.fail(format!("template.components[{i}].type `{kind}` is not header, body or button"));
            }
            let parameters =
                component.get("parameters").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            for (j, parameter) in parameters.iter().enumerate() {
                let path = format!("template.components[{i}].parameters[{j}]");
                if kind == "body" && parameter.get("type").and_then(Value::as_str) == Some("text") {
                    if let Some(parameter) = parameter.as_object() {
                        self.string(parameter, &path, "text", true, 32_768);
                    }
                } else if kind == "body" {
                    self.fail(format!("{path}: SIGAP's templates take text parameters only"));
                }
            }
        }
    }
}
