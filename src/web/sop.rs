//! The SOP page: the office's SOP, read from the file it runs, drawn as a diagram (a box per
//! step with its role and Mutu Baku limit, an arrow per action: down to the next step in the
//! middle, on past it along the right, back up along the left, to the two ends at the
//! bottom) and listed as a table under it, which a screen reader and a search both read.

use std::collections::HashMap;
use std::fmt::Write;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::board::signed_in;
use super::charts::escape;
use super::{Console, Tr, page};
use crate::domain::sop::{Sop, Target};
use crate::i18n;

pub struct StepRow {
    id: String,
    name: String,
    role: String,
    limit: String,
    output: String,
    actions: Vec<String>,
}

#[derive(Template)]
#[template(path = "sop.html")]
struct SopPage {
    tr: Tr,
    user_name: String,
    csrf: String,
    title: String,
    office: String,
    number: String,
    target: String,
    diagram: String,
    steps: Vec<StepRow>,
}

fn target_name(sop: &Sop, tr: Tr, target: &Target) -> String {
    match target {
        Target::Step(id) => sop.step(id).map_or_else(|| id.clone(), |s| s.display_name(tr.lang).to_owned()),
        Target::Closed => tr.t("sop_page.closed"),
        Target::Rejected => tr.t("sop_page.rejected"),
    }
}

/// An action as its button reads in chat, naming the role it goes to.
fn action_text(sop: &Sop, tr: Tr, action: &crate::domain::sop::ActionDef) -> String {
    let next_role = match &action.to {
        Some(Target::Step(id)) => sop.step(id).map(|s| s.role),
        _ => None,
    };
    i18n::action_label(tr.lang, action.kind, next_role)
}

pub async fn sop(
    State(console): State<Console>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&console, &headers, &query).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tr = Tr::of(&query, Some(&user));
    let sop = &console.desk.sop().sop;
    let steps = sop
        .steps
        .iter()
        .map(|s| StepRow {
            id: s.id.clone(),
            name: s.display_name(tr.lang).to_owned(),
            role: i18n::role(tr.lang, s.role),
            limit: i18n::limit(tr.lang, s.limit),
            output: s.output.clone().unwrap_or_else(|| "-".to_owned()),
            actions: s
                .actions
                .iter()
                .map(|a| match &a.to {
                    Some(to) => format!("{} → {}", action_text(sop, tr, a), target_name(sop, tr, to)),
                    None => action_text(sop, tr, a),
                })
                .collect(),
        })
        .collect();
    let data = SopPage {
        tr,
        user_name: user.person.name.clone(),
        csrf: user.csrf.clone(),
        title: sop.header.name.clone(),
        office: sop.header.office.clone(),
        number: sop.header.number.clone().unwrap_or_default(),
        target: i18n::limit(tr.lang, sop.header.target),
        diagram: diagram(sop, tr),
        steps,
    };
    page(StatusCode::OK, &data)
}

const BOX_W: i32 = 300;
const BOX_H: i32 = 64;
const GAP: i32 = 44;
const LANE: i32 = 14;

/// The SOP as an SVG flowchart.
pub fn diagram(sop: &Sop, tr: Tr) -> String {
    let n = sop.steps.len() as i32;
    // Lanes beside the boxes: one per arrow that skips ahead (right) or goes back (left).
    let index = |t: &Target| match t {
        Target::Step(id) => sop.steps.iter().position(|s| &s.id == id).map(|i| i as i32),
        Target::Closed => Some(n),
        Target::Rejected => Some(n + 1),
    };
    struct Edge {
        from: i32,
        to: i32,
        label: String,
    }
    let mut down: HashMap<i32, Vec<String>> = HashMap::new();
    let mut skips: Vec<Edge> = Vec::new();
    let mut backs: Vec<Edge> = Vec::new();
    for (i, step) in sop.steps.iter().enumerate() {
        let i = i as i32;
        for action in &step.actions {
            let Some(to) = action.to.as_ref().and_then(index) else { continue };
            let label = action_text(sop, tr, action);
            if to == i + 1 {
                down.entry(i).or_default().push(label);
            } else if to > i {
                skips.push(Edge { from: i, to, label });
            } else {
                backs.push(Edge { from: i, to, label });
            }
        }
    }
    let left = 30 + LANE * backs.len() as i32;
    let right_lanes = LANE * skips.len() as i32 + 30;
    let width = left + BOX_W + right_lanes;
    let top = |i: i32| 10 + i * (BOX_H + GAP);
    let height = top(n + 2);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs><style>text{{font:12px sans-serif;fill:#1c2430}}.box{{fill:#fff;stroke:#0b5cad;stroke-width:1.5}}.end{{fill:#eef4fb;stroke:#0b5cad}}.edge{{fill:none;stroke:#333;marker-end:url(#arrow)}}.label{{font-size:11px;fill:#5b6675}}.role{{font-size:11px;fill:#0b5cad}}</style>"##,
        escape(&sop.header.name)
    );
    for (i, step) in sop.steps.iter().enumerate() {
        let y = top(i as i32);
        let stays: Vec<String> =
            step.actions.iter().filter(|a| a.to.is_none()).map(|a| action_text(sop, tr, a)).collect();
        let _ = write!(
            svg,
            r#"<g class="step" data-step="{id}"><rect class="box" x="{left}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/><text x="{tx}" y="{y1}">{name}</text><text class="role" x="{tx}" y="{y2}">{role} · {limit}</text><text class="label" x="{tx}" y="{y3}">{stays}</text></g>"#,
            id = escape(&step.id),
            tx = left + 8,
            y1 = y + 18,
            y2 = y + 36,
            y3 = y + 54,
            name = escape(&shorten(step.display_name(tr.lang), 44)),
            role = escape(&i18n::role(tr.lang, step.role)),
            limit = escape(&i18n::limit(tr.lang, step.limit)),
            stays = escape(&if stays.is_empty() { String::new() } else { format!("↻ {}", stays.join(", ")) }),
        );
    }
    for (k, key) in ["closed", "rejected"].iter().enumerate() {
        let y = top(n + k as i32);
        let _ = write!(
            svg,
            r#"<rect class="end" x="{left}" y="{y}" width="{BOX_W}" height="{h}" rx="20"/><text x="{tx}" y="{ty}" text-anchor="middle">{name}</text>"#,
            h = BOX_H / 2,
            tx = left + BOX_W / 2,
            ty = y + BOX_H / 4 + 4,
            name = escape(&tr.t(&format!("sop_page.{key}"))),
        );
    }
    let mid = left + BOX_W / 2;
    for (i, labels) in &down {
        let (y1, y2) = (top(*i) + BOX_H, top(i + 1));
        let _ = write!(
            svg,
            r#"<line class="edge" x1="{mid}" y1="{y1}" x2="{mid}" y2="{y2}"/><text class="label" x="{lx}" y="{ly}">{text}</text>"#,
            lx = mid + 6,
            ly = y1 + GAP / 2 + 4,
            text = escape(&labels.join(" / ")),
        );
    }
    for (k, e) in skips.iter().enumerate() {
        let x = left + BOX_W + 16 + LANE * k as i32;
        let (y1, y2) = (top(e.from) + BOX_H / 2 + 6, top(e.to) + 12);
        let _ = write!(
            svg,
            // The label runs up along its own lane, so labels of side by side lanes never cross.
            r#"<path class="edge" d="M{x0},{y1} H{x} V{y2} H{x0}"/><text class="label" x="{lx}" y="{ly}" text-anchor="middle" transform="rotate(-90 {lx} {ly})">{text}</text>"#,
            x0 = left + BOX_W,
            lx = x - 3,
            ly = (y1 + y2) / 2,
            text = escape(&e.label),
        );
    }
    for (k, e) in backs.iter().enumerate() {
        let x = left - 16 - LANE * k as i32;
        let (y1, y2) = (top(e.from) + BOX_H / 2 + 6, top(e.to) + BOX_H - 12);
        let _ = write!(
            svg,
            r#"<path class="edge" d="M{left},{y1} H{x} V{y2} H{left}"/><text class="label" x="{lx}" y="{ly}" text-anchor="middle" transform="rotate(-90 {lx} {ly})">{text}</text>"#,
            lx = x - 3,
            ly = (y1 + y2) / 2,
            text = escape(&e.label),
        );
    }
    svg.push_str("</svg>");
    svg
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}
