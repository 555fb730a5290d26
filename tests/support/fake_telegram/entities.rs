//! Entity parsing as far as the limits need it: the text a user sees once `parse_mode`
//! markup is taken out (lengths are counted on that), and Telegram's "can't parse entities"
//! refusals for unknown or unbalanced HTML tags and unescaped MarkdownV2 reserved characters.

/// The text as the user sees it, after parsing entities in `parse_mode`; or the
/// "can't parse entities" refusal.
pub fn visible(text: &str, parse_mode: Option<&str>) -> Result<String, String> {
    match parse_mode {
        Some("HTML") => html(text),
        Some("MarkdownV2") => markdown_v2(text),
        Some("Markdown") => Ok(text.chars().filter(|c| !matches!(c, '*' | '_' | '`' | '[')).collect()),
        Some(other) => Err(format!("Bad Request: unsupported parse_mode \"{other}\"")),
        None => Ok(text.to_owned()),
    }
}

fn html(text: &str) -> Result<String, String> {
    const TAGS: [&str; 17] = [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
        "tg-time",
    ];
    let mut shown = String::new();
    let mut open: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(['<', '&']) {
        shown.push_str(&rest[..start]);
        let offset = text.len() - rest.len() + start;
        let tail = &rest[start..];
        if let Some(after) = tail.strip_prefix('&') {
            // A named entity is one character as shown; a bare `&` is itself.
            match tail.find(';').map(|end| &tail[..=end]) {
                Some(entity @ ("&lt;" | "&gt;" | "&amp;" | "&quot;")) => {
                    shown.push('x');
                    rest = &tail[entity.len()..];
                }
                _ => {
                    shown.push('&');
                    rest = after;
                }
            }
            continue;
        }
        let Some(end) = tail.find('>') else {
            return Err(format!("Bad Request: can't parse entities: Unclosed start tag at byte offset {offset}"));
        };
        let inner = &tail[1..end];
        let closing = inner.starts_with('/');
        let name = inner.trim_start_matches('/').split_whitespace().next().unwrap_or("").to_lowercase();
        if !TAGS.contains(&name.as_str()) {
            let kind = if closing { "end" } else { "start" };
            return Err(format!(
                "Bad Request: can't parse entities: Unsupported {kind} tag \"{name}\" at byte offset {offset}"
            ));
        }
        if closing {
            match open.pop() {
                Some(top) if top == name => {}
                top => {
                    return Err(format!(
                        "Bad Request: can't parse entities: Unmatched end tag at byte offset {offset}, expected \"</{}>\", found \"</{name}>\"",
                        top.unwrap_or_default()
                    ));
                }
            }
        } else {
            open.push(name);
        }
        rest = &tail[end + 1..];
    }
    shown.push_str(rest);
    match open.pop() {
        Some(tag) => {
            Err(format!("Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{tag}\""))
        }
        None => Ok(shown),
    }
}

fn markdown_v2(text: &str) -> Result<String, String> {
    let mut shown = String::new();
    let mut chars = text.chars().peekable();
    let mut line_start = true;
    while let Some(c) = chars.next() {
        match c {
            '\\' => shown.extend(chars.next()),
            '*' | '_' | '~' | '|' | '`' | '[' => {}
            ']' if chars.peek() == Some(&'(') => {
                // A link's URL is not shown.
                for u in chars.by_ref() {
                    if u == ')' {
                        break;
                    }
                }
            }
            '>' if line_start => {}
            '.' | '!' | '-' | '=' | '#' | '+' | '{' | '}' | '>' | '(' | ')' | ']' => {
                return Err(format!(
                    "Bad Request: can't parse entities: Character '{c}' is reserved and must be escaped with the preceding '\\'"
                ));
            }
            other => shown.push(other),
        }
        line_start = c == '\n';
    }
    Ok(shown)
}
