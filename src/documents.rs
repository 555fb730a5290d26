//! The papers every SOP ends in, generated from a ticket's events instead of retyped from
//! chats: "Laporan Penyelesaian Gangguan Jaringan" (the completion report, with the timeline
//! against the SOP's limits and the completion photos), "Berita Acara Pekerjaan" (the work
//! done, signed by technician and reporter) and "Berita Acara Pengajuan Penggantian
//! Perangkat". A4, the office's letterhead, PDF's built-in Helvetica (no font files to ship).

use std::path::Path;

use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Mm, Op, PdfDocument, PdfPage, PdfSaveOptions, Point, Pt, RawImage, Rgb,
    TextItem, XObjectTransform,
};
use rust_i18n::t;

use crate::i18n;
use crate::service::TicketDetails;
use crate::store::attachments::AttachmentRow;

/// Which paper: the SOP names them per step.
pub use crate::domain::sop::Paper as Kind;

/// The office's letterhead, from the SOP and the settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Letterhead {
    pub office: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// A PNG or JPEG shown at the left of the letterhead.
    pub logo: Option<Vec<u8>>,
}

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 20.0;
/// Characters per line of body text at 10 pt Helvetica within the margins, kept short of
/// the widest letters so a line never runs off the page.
const WRAP: usize = 92;
/// Widest a completion photo is drawn.
const PHOTO_W_MM: f32 = 80.0;

struct Writer {
    doc: PdfDocument,
    pages: Vec<PdfPage>,
    ops: Vec<Op>,
    /// The next line's baseline, in mm from the bottom.
    y: f32,
}

impl Writer {
    fn new(title: &str) -> Self {
        Writer { doc: PdfDocument::new(title), pages: Vec::new(), ops: Vec::new(), y: PAGE_H - MARGIN }
    }

    fn room(&mut self, mm: f32) {
        if self.y - mm < MARGIN {
            let ops = std::mem::take(&mut self.ops);
            self.pages.push(PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops));
            self.y = PAGE_H - MARGIN;
        }
    }

    fn text_at(&mut self, x: f32, text: &str, size: f32, font: BuiltinFont) {
        self.ops.extend([
            Op::StartTextSection,
            Op::SetTextCursor { pos: Point::new(Mm(x), Mm(self.y)) },
            Op::SetFontSizeBuiltinFont { size: Pt(size), font },
            Op::SetFillColor { col: Color::Rgb(Rgb { r: 0.0, g: 0.0, b: 0.0, icc_profile: None }) },
            Op::WriteTextBuiltinFont { items: vec![TextItem::Text(printable(text))], font },
            Op::EndTextSection,
        ]);
    }

    fn line(&mut self, text: &str, size: f32, font: BuiltinFont) {
        let height = size * 0.3528 * 1.45;
        self.room(height);
        self.text_at(MARGIN, text, size, font);
        self.y -= height;
    }

    fn centered(&mut self, text: &str, size: f32, font: BuiltinFont) {
        let height = size * 0.3528 * 1.45;
        self.room(height);
        // Helvetica averages about half an em per character.
        let width = printable(text).chars().count() as f32 * size * 0.5 * 0.3528;
        self.text_at(((PAGE_W - width) / 2.0).max(MARGIN), text, size, font);
        self.y -= height;
    }

    fn paragraph(&mut self, text: &str) {
        for line in wrap(text, WRAP) {
            self.line(&line, 10.0, BuiltinFont::Helvetica);
        }
    }

    fn field(&mut self, label: &str, value: &str) {
        let lines = wrap(value, WRAP - 28);
        for (i, line) in lines.iter().enumerate() {
            self.room(5.2);
            if i == 0 {
                self.text_at(MARGIN, label, 10.0, BuiltinFont::HelveticaBold);
            }
            self.text_at(
                MARGIN + 45.0,
                &format!("{}{line}", if i == 0 { ": " } else { "  " }),
                10.0,
                BuiltinFont::Helvetica,
            );
            self.y -= 5.2;
        }
    }

    fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }

    fn rule(&mut self) {
        self.room(3.0);
        let point = |x: f32| LinePoint { p: Point::new(Mm(x), Mm(self.y)), bezier: false };
        self.ops.push(Op::SetOutlineThickness { pt: Pt(1.0) });
        self.ops.push(Op::DrawLine {
            line: Line { points: vec![point(MARGIN), point(PAGE_W - MARGIN)], is_closed: false },
        });
        self.y -= 3.0;
    }

    /// An image scaled to `width_mm` (never enlarged past its pixels at 150 dpi); false when
    /// the bytes are not a picture this can draw.
    fn image(&mut self, bytes: &[u8], width_mm: f32) -> bool {
        let Ok(image) = RawImage::decode_from_bytes(bytes, &mut Vec::new()) else { return false };
        if image.width == 0 || image.height == 0 {
            return false;
        }
        let px_w = image.width as f32;
        let px_h = image.height as f32;
        let natural_mm = px_w / 150.0 * 25.4;
        let w_mm = width_mm.min(natural_mm);
        let h_mm = w_mm * px_h / px_w;
        self.room(h_mm + 2.0);
        let id = self.doc.add_image(&image);
        // At 72 dpi one pixel is one point: scale points to the wanted size.
        let scale = (w_mm / 0.3528) / px_w;
        self.ops.push(Op::UseXobject {
            id,
            transform: XObjectTransform {
                translate_x: Some(Mm(MARGIN).into()),
                translate_y: Some(Mm(self.y - h_mm).into()),
                scale_x: Some(scale),
                scale_y: Some(scale),
                dpi: Some(72.0),
                rotate: None,
            },
        });
        self.y -= h_mm + 2.0;
        true
    }

    fn finish(mut self) -> Vec<u8> {
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops));
        let pages = std::mem::take(&mut self.pages);
        self.doc.with_pages(pages).save(&PdfSaveOptions::default(), &mut Vec::new())
    }
}

/// The paper `kind` of a ticket. `photos` are the ticket's attachments with their bytes.
pub fn render(
    kind: Kind,
    details: &TicketDetails,
    photos: &[(AttachmentRow, Vec<u8>)],
    letterhead: &Letterhead,
    sop: &crate::config::LoadedSop,
    locale: &str,
) -> Vec<u8> {
    let tz = sop.calendar.timezone();
    let ticket = &details.ticket;
    let title = t!(format!("document.title_{}", kind_key(kind)), locale = locale).into_owned();
    let mut w = Writer::new(&format!("{title} {}", ticket.number));
    head(&mut w, letterhead);
    w.centered(&title.to_uppercase(), 13.0, BuiltinFont::HelveticaBold);
    w.centered(&t!("document.number", locale = locale, number = ticket.number), 10.0, BuiltinFont::Helvetica);
    w.gap(4.0);
    let reporter = details.reporter.as_ref().map_or("-", |p| p.name.as_str());
    let org = details.org_name.as_deref().unwrap_or("-");
    let label = |key: &str| t!(format!("document.{key}"), locale = locale).into_owned();
    let category = ticket.category.parse().unwrap_or(crate::domain::ticket::Category::Other);
    w.field(&label("ticket"), &ticket.number);
    w.field(&label("reporter"), reporter);
    w.field(&label("org"), org);
    w.field(&label("location"), ticket.location.as_deref().unwrap_or("-"));
    w.field(&label("category"), &i18n::category(locale, category));
    w.field(&label("description"), &ticket.description);
    w.field(&label("received"), &i18n::datetime(locale, ticket.created_at, tz));
    if let Some(ended) = ticket.ended_at {
        w.field(&label("ended"), &i18n::datetime(locale, ended, tz));
    }
    w.gap(3.0);
    let actor = |action: &str| {
        details.events.iter().rev().find(|e| e.event.action == action).map(|e| {
            (e.actor_name.clone().unwrap_or_else(|| "-".into()), e.event.at, e.event.note.clone(), e.event.data.clone())
        })
    };
    match kind {
        Kind::Completion => {
            w.line(&label("timeline"), 11.0, BuiltinFont::HelveticaBold);
            for visit in &details.sla.visits {
                let step = sop.sop.step(&visit.step).map_or(visit.step.clone(), |s| s.display_name(locale).to_owned());
                let left = visit.left_at.or(ticket.ended_at);
                let minutes = left.map(|l| sop.calendar.business_time_between(visit.entered_at, l).num_minutes());
                let by = details
                    .events
                    .iter()
                    .find(|e| e.event.from_step.as_deref() == Some(visit.step.as_str()) && Some(e.event.at) == left)
                    .and_then(|e| e.actor_name.clone())
                    .unwrap_or_else(|| "-".into());
                let text = t!(
                    "document.timeline_row",
                    locale = locale,
                    step = step,
                    by = by,
                    at = i18n::datetime(locale, visit.entered_at, tz),
                    minutes = minutes.map_or_else(|| "-".to_owned(), |m| m.to_string()),
                    limit = match visit.limit {
                        Some(limit) => t!("document.limit", locale = locale, limit = i18n::limit(locale, Some(limit))),
                        None => t!("sla.no_limit", locale = locale),
                    },
                    late = if visit.breached { label("late") } else { label("on_time") }
                );
                w.paragraph(&format!("- {text}"));
            }
            w.gap(2.0);
            w.line(&label("actions"), 11.0, BuiltinFont::HelveticaBold);
            for event in &details.events {
                let who = event.actor_name.as_deref().unwrap_or("SIGAP");
                let mut text = format!(
                    "- {} {} {}",
                    i18n::datetime(locale, event.event.at, tz),
                    who,
                    i18n::past(locale, &event.event.action)
                );
                if let Some(note) = &event.event.note {
                    text.push_str(&format!(": {note}"));
                }
                w.paragraph(&text);
            }
            if let Some(eta) = ticket.isp_eta {
                w.field(&label("isp_eta"), &i18n::datetime(locale, eta, tz));
            }
            if !details.linked.is_empty() {
                // One outage, many offices: the paper names every one the fix reached.
                w.gap(2.0);
                let heading = t!("document.linked", locale = locale, count = details.linked.len());
                w.line(&heading, 11.0, BuiltinFont::HelveticaBold);
                for report in &details.linked {
                    w.paragraph(&format!("- {} · {} ({})", report.number, report.org, report.reporter));
                }
            }
            // What the reporter sent shows the outage; what the staff sent shows the work.
            // The same picture sent twice (again with the next step) is printed once.
            let mut seen = std::collections::HashSet::new();
            let images: Vec<&(AttachmentRow, Vec<u8>)> =
                photos.iter().filter(|(a, _)| a.mime.starts_with("image/") && seen.insert(a.sha256.clone())).collect();
            let (reported, work): (Vec<_>, Vec<_>) =
                images.into_iter().partition(|(a, _)| a.uploaded_by == Some(ticket.reporter_id));
            for (heading, images) in [("report_photos", reported), ("photos", work)] {
                if images.is_empty() {
                    continue;
                }
                w.gap(2.0);
                w.line(&label(heading), 11.0, BuiltinFont::HelveticaBold);
                for (attachment, bytes) in images {
                    if !w.image(bytes, PHOTO_W_MM) {
                        w.paragraph(&t!(
                            "document.photo_unreadable",
                            locale = locale,
                            name = attachment.sha256[..12].to_owned()
                        ));
                    }
                }
            }
            let end = ticket.ended_at.unwrap_or(ticket.updated_at);
            let working = sop.calendar.business_time_between(ticket.created_at, end).num_minutes();
            w.gap(2.0);
            w.field(&label("working"), &t!("document.minutes", locale = locale, minutes = working));
            w.field(&label("sla"), &if details.sla.any_breach() { label("late") } else { label("on_time") });
        }
        Kind::Work => {
            let resolved = actor("resolve");
            w.line(&label("work_done"), 11.0, BuiltinFont::HelveticaBold);
            match &resolved {
                Some((_, _, Some(note), _)) => w.paragraph(note),
                _ => w.paragraph("-"),
            }
            if let Some((_, _, _, Some(data))) = actor("request_replacement") {
                w.field(&label("device"), &device_of(&data));
            }
            if let Some((who, at, _, _)) = actor("confirm") {
                w.gap(2.0);
                w.paragraph(&t!(
                    "document.acknowledged",
                    locale = locale,
                    name = who,
                    at = i18n::datetime(locale, at, tz)
                ));
            }
            let technician = resolved.map_or_else(|| "-".to_owned(), |(who, ..)| who);
            signatures(
                &mut w,
                locale,
                &[(label("sign_technician"), technician), (label("sign_reporter"), reporter.to_owned())],
            );
        }
        Kind::Replacement => {
            let requested = actor("request_replacement");
            let (who, at, note, data) = requested
                .map_or(("-".to_owned(), None, None, None), |(who, at, note, data)| (who, Some(at), note, data));
            let device = data.as_deref().map(device_of).unwrap_or_else(|| "-".to_owned());
            // "Switch 24 port - mati total" carries its reason when no note was given.
            let (name, reason) = match (note, device.split_once(" - ")) {
                (Some(note), _) => (device.clone(), note),
                (None, Some((d, r))) => (d.to_owned(), r.to_owned()),
                (None, None) => (device.clone(), "-".to_owned()),
            };
            w.field(&label("device"), &name);
            w.field(&label("serial"), "........................................");
            w.field(&label("reason"), &reason);
            w.field(&label("requested_by"), &who);
            if let Some(at) = at {
                w.field(&label("requested_at"), &i18n::datetime(locale, at, tz));
            }
            signatures(
                &mut w,
                locale,
                &[(label("sign_technician"), who), (label("sign_reporter"), reporter.to_owned())],
            );
        }
    }
    w.finish()
}

/// A listing under the letterhead: a title, a line saying what it covers, then one
/// paragraph per entry (the records page's log and statistics as PDF).
pub fn listing(title: &str, subtitle: &str, entries: &[String], letterhead: &Letterhead) -> Vec<u8> {
    let mut w = Writer::new(title);
    head(&mut w, letterhead);
    w.centered(&title.to_uppercase(), 13.0, BuiltinFont::HelveticaBold);
    w.centered(subtitle, 10.0, BuiltinFont::Helvetica);
    w.gap(4.0);
    for entry in entries {
        w.paragraph(entry);
        w.gap(1.0);
    }
    w.finish()
}

fn head(w: &mut Writer, letterhead: &Letterhead) {
    if let Some(logo) = &letterhead.logo {
        let top = w.y;
        if w.image(logo, 18.0) {
            w.y = top;
        }
    }
    w.centered(&letterhead.office.to_uppercase(), 12.0, BuiltinFont::HelveticaBold);
    if let Some(address) = &letterhead.address {
        w.centered(address, 9.0, BuiltinFont::Helvetica);
    }
    if let Some(phone) = &letterhead.phone {
        w.centered(phone, 9.0, BuiltinFont::Helvetica);
    }
    w.rule();
    w.gap(3.0);
}

fn signatures(w: &mut Writer, locale: &str, people: &[(String, String)]) {
    w.gap(8.0);
    w.room(40.0);
    let top = w.y;
    for (i, (role, name)) in people.iter().enumerate() {
        let x = MARGIN + i as f32 * 90.0;
        w.y = top;
        w.text_at(x, role, 10.0, BuiltinFont::Helvetica);
        w.y = top - 25.0;
        w.text_at(x, &format!("( {name} )"), 10.0, BuiltinFont::HelveticaBold);
        w.y = top - 30.0;
        w.text_at(x, &t!("document.nip", locale = locale), 10.0, BuiltinFont::Helvetica);
    }
    w.y = top - 36.0;
}

fn device_of(data: &str) -> String {
    serde_json::from_str::<serde_json::Value>(data)
        .ok()
        .and_then(|v| v.get("device").and_then(|d| d.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "-".to_owned())
}

pub fn kind_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Completion => "completion",
        Kind::Work => "work",
        Kind::Replacement => "replacement",
    }
}

/// Text the built-in fonts can show: their encoding is Latin-1-like, so dashes and quotes
/// are mapped and anything else (emoji) is dropped.
fn printable(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{2013}' | '\u{2014}' => Some('-'),
            '\u{2018}' | '\u{2019}' => Some('\''),
            '\u{201C}' | '\u{201D}' => Some('"'),
            '\u{2026}' => Some('.'),
            c if (c as u32) < 0x100 && !c.is_control() => Some(c),
            _ => None,
        })
        .collect()
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// Read the logo named in the settings, if any.
pub fn load_logo(path: Option<&Path>) -> std::io::Result<Option<Vec<u8>>> {
    path.map(std::fs::read).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_wrapped_on_words_and_kept_printable() {
        assert_eq!(wrap("satu dua tiga", 8), ["satu dua", "tiga"]);
        assert_eq!(wrap("", 8), [""]);
        assert_eq!(printable("Tiket GJ — ✅ “selesai”"), "Tiket GJ -  \"selesai\"");
    }
}
