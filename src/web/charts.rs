//! Charts drawn on the server as SVG: a few hundred bytes each, no script, readable without
//! the internet and printable. Horizontal bars (one row per label) fit a phone's width;
//! columns suit a time series. Text in them is escaped here, since the SVG is embedded as is.

use std::fmt::Write;

/// `text` safe inside SVG/HTML text and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const W: u32 = 640;

/// One bar of a horizontal chart: its label, its value as a share of 0..=1 of the width,
/// the text written after it, and whether it falls short (drawn in the late colour).
pub struct Bar {
    pub label: String,
    pub share: f64,
    pub text: String,
    pub short: bool,
}

/// Horizontal bars, labels on the left; `mark` draws a vertical line at that share (a target).
pub fn bars(title: &str, rows: &[Bar], mark: Option<(f64, &str)>) -> String {
    let row_h = 26;
    let top = 28;
    let label_w = 220u32;
    let bar_w = W - label_w - 70;
    let h = top + row_h * rows.len().max(1) as u32 + 10;
    let mut svg = head(title, h);
    for (i, row) in rows.iter().enumerate() {
        let y = top + row_h * i as u32;
        let len = (row.share.clamp(0.0, 1.0) * f64::from(bar_w)).round();
        let class = if row.short { "bad" } else { "ok" };
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect class="{class}" x="{label_w}" y="{}" width="{len}" height="16"/><text x="{}" y="{}">{}</text>"#,
            label_w - 6,
            y + 13,
            escape(&shorten(&row.label, 34)),
            y + 1,
            f64::from(label_w) + len + 4.0,
            y + 13,
            escape(&row.text),
        );
    }
    if let Some((share, label)) = mark {
        let x = f64::from(label_w) + (share.clamp(0.0, 1.0) * f64::from(bar_w)).round();
        let _ = write!(
            svg,
            r#"<line class="mark" x1="{x}" y1="{}" x2="{x}" y2="{}"/><text class="muted" x="{x}" y="{}" text-anchor="middle">{}</text>"#,
            top - 4,
            h - 6,
            top - 8,
            escape(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Columns of counts over time, each labelled underneath.
pub fn columns(title: &str, points: &[(String, u64)]) -> String {
    let h = 200u32;
    let (top, bottom, left) = (28u32, 36u32, 10u32);
    let n = points.len().max(1) as u32;
    let slot = (W - 2 * left) / n;
    let max = points.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let mut svg = head(title, h);
    for (i, (label, value)) in points.iter().enumerate() {
        let x = left + slot * i as u32;
        let bar_h = (*value as f64 / max as f64 * f64::from(h - top - bottom - 14)).round() as u32;
        let y = h - bottom - bar_h;
        let _ = write!(
            svg,
            r#"<rect class="ok" x="{}" y="{y}" width="{}" height="{bar_h}"/><text x="{}" y="{}" text-anchor="middle">{value}</text><text class="muted" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            x + 4,
            slot.saturating_sub(8),
            x + slot / 2,
            y.saturating_sub(3),
            x + slot / 2,
            h - bottom + 16,
            escape(label),
        );
    }
    svg.push_str("</svg>");
    svg
}

fn head(title: &str, h: u32) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" width="100%" role="img" aria-label="{t}"><style>text{{font:12px sans-serif;fill:#222}}.muted{{fill:#666}}.ok{{fill:#2f6fad}}.bad{{fill:#c0392b}}.mark{{stroke:#222;stroke-dasharray:4 3}}</style><text x="0" y="14" style="font-weight:bold">{t}</text>"#,
        t = escape(title)
    )
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_a_chart_is_escaped() {
        let svg = bars("<t>", &[Bar { label: "a<b".into(), share: 0.5, text: "50%".into(), short: false }], None);
        assert!(svg.contains("a&lt;b") && svg.contains("&lt;t&gt;") && !svg.contains("<b"), "{svg}");
    }

    #[test]
    fn the_tallest_column_fills_the_chart_and_an_empty_series_draws_nothing_wrong() {
        let svg = columns("x", &[("1".into(), 0), ("2".into(), 10)]);
        assert!(svg.contains(r#"height="122""#) && svg.contains(r#"height="0""#), "{svg}");
        assert!(columns("x", &[]).ends_with("</svg>"));
    }
}
