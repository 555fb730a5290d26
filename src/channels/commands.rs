//! Commands people type, read the same way on every channel: `/status GJ-2026-000001` on
//! Telegram (with or without `@BotName`), and on WhatsApp too, where there is no command
//! menu, the bare words (`status`, `batal`, `cari server`).

use crate::domain::ticket::TicketNumber;
use crate::service::{ChatCommand, Correction, Query};

/// A command, read into what the core understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Answered at once from the database.
    Query(Query),
    /// Part of a conversation (registration, a report, a search).
    Chat(ChatCommand),
}

/// A slash command (`/status@SigapBot GJ-2026-000001`); `None` for text that is not one.
/// Unknown commands get the help.
pub fn command(text: &str) -> Option<Command> {
    let rest = text.trim().strip_prefix('/')?;
    let (head, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let name = head.split('@').next()?.to_lowercase();
    let tail = tail.trim();
    let arg = tail.split_whitespace().next().map(str::to_owned);
    Some(match name.as_str() {
        "status" => Command::Query(Query::Status(arg)),
        "tiket" | "tickets" | "ticket" => match arg {
            Some(number) => Command::Query(Query::Ticket(number.to_uppercase())),
            None => Command::Query(Query::Mine),
        },
        "antrian" | "queue" => Command::Query(Query::Queue),
        "start" => Command::Chat(ChatCommand::Start(arg)),
        "lapor" | "report" => Command::Chat(ChatCommand::Report),
        "batal" | "cancel" => Command::Chat(ChatCommand::Cancel),
        "cari" | "search" => Command::Chat(ChatCommand::Search(tail.to_owned())),
        "laporan" | "monthly" => Command::Chat(ChatCommand::Monthly(tail.to_owned())),
        "keluhan" | "complaint" => Command::Chat(ChatCommand::Complain),
        "jawab" | "answer" => {
            let (id, text) = tail.split_once(char::is_whitespace).unwrap_or((tail, ""));
            Command::Chat(ChatCommand::Answer { id: id.to_owned(), text: text.trim().to_owned() })
        }
        "gabung" | "link" => {
            let mut words = tail.split_whitespace().map(str::to_uppercase);
            let parent = words.next().unwrap_or_default();
            let child = words.next().unwrap_or_default();
            Command::Chat(ChatCommand::Link { parent, child })
        }
        "pisah" | "unlink" => Command::Chat(ChatCommand::Unlink(arg.unwrap_or_default().to_uppercase())),
        "privasi" | "privacy" => Command::Chat(ChatCommand::Privacy),
        "dataku" | "mydata" => {
            Command::Chat(ChatCommand::MyData { file: matches!(arg.as_deref(), Some("berkas" | "file")) })
        }
        // Telegram's command menu allows no hyphen: both spellings work.
        "hapus-data" | "hapus_data" | "hapusdata" | "erase" => Command::Chat(ChatCommand::EraseRequest),
        "nama" | "name" => Command::Chat(ChatCommand::Correct { field: Correction::Name, value: tail.to_owned() }),
        "instansi" | "organisation" | "organization" => {
            Command::Chat(ChatCommand::Correct { field: Correction::Org, value: tail.to_owned() })
        }
        _ => Command::Query(Query::Help),
    })
}

/// A slash command, or a message that is only a command word (WhatsApp has no command
/// menu): `status`, `status GJ-2026-000001`, `tiket`, `antrian`, `bantuan`, `batal`,
/// `lapor`, `cari …`. Anything else is a message, even when it starts with such a word.
pub fn command_or_keyword(text: &str) -> Option<Command> {
    let trimmed = text.trim();
    if trimmed.starts_with('/') {
        return command(trimmed);
    }
    let lower = trimmed.to_lowercase();
    let mut words = lower.split_whitespace();
    let first = words.next()?;
    let rest: Vec<&str> = words.collect();
    match (first, rest.as_slice()) {
        ("status", []) => Some(Command::Query(Query::Status(None))),
        ("status", [number]) if number.to_uppercase().parse::<TicketNumber>().is_ok() => {
            Some(Command::Query(Query::Status(Some(number.to_uppercase()))))
        }
        ("tiket", []) => Some(Command::Query(Query::Mine)),
        ("tiket", [number]) if number.to_uppercase().parse::<TicketNumber>().is_ok() => {
            Some(Command::Query(Query::Ticket(number.to_uppercase())))
        }
        ("antrian", []) => Some(Command::Query(Query::Queue)),
        ("bantuan" | "help" | "menu", []) => Some(Command::Query(Query::Help)),
        ("batal", []) => Some(Command::Chat(ChatCommand::Cancel)),
        ("lapor", []) => Some(Command::Chat(ChatCommand::Report)),
        ("keluhan", []) => Some(Command::Chat(ChatCommand::Complain)),
        ("privasi" | "dataku" | "hapus-data" | "hapus_data", []) | ("dataku", ["berkas" | "file"]) => {
            command(&format!("/{trimmed}"))
        }
        ("hapus", ["data"]) => Some(Command::Chat(ChatCommand::EraseRequest)),
        ("nama" | "instansi", words) if !words.is_empty() => command(&format!("/{trimmed}")),
        ("laporan", [] | [_]) => command(&format!("/{trimmed}")),
        ("jawab", words) if words.len() >= 2 => command(&format!("/{trimmed}")),
        ("gabung", [_, _]) | ("pisah", [_])
            if rest.iter().all(|w| w.to_uppercase().parse::<TicketNumber>().is_ok()) =>
        {
            command(&format!("/{trimmed}"))
        }
        ("cari", words) if !words.is_empty() => {
            let query = trimmed.split_once(char::is_whitespace).map_or("", |(_, q)| q).trim().to_owned();
            Some(Command::Chat(ChatCommand::Search(query)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_with_or_without_the_bot_name() {
        let query = |q| Some(Command::Query(q));
        let chat = |c| Some(Command::Chat(c));
        assert_eq!(command("/status@SigapBot GJ-2026-000001"), query(Query::Status(Some("GJ-2026-000001".into()))));
        assert_eq!(command("/tiket"), query(Query::Mine));
        assert_eq!(command("/tiket gj-2026-000007"), query(Query::Ticket("GJ-2026-000007".into())));
        assert_eq!(command("/antrian"), query(Query::Queue));
        assert_eq!(command("/halo"), query(Query::Help));
        assert_eq!(command("/start a1b2c3"), chat(ChatCommand::Start(Some("a1b2c3".into()))));
        assert_eq!(command("/start"), chat(ChatCommand::Start(None)));
        assert_eq!(command("/lapor"), chat(ChatCommand::Report));
        assert_eq!(command("/batal@SigapBot"), chat(ChatCommand::Cancel));
        assert_eq!(command("/cari ruang server"), chat(ChatCommand::Search("ruang server".into())));
        assert_eq!(command("Internet mati"), None);
        assert_eq!(command("/privasi"), chat(ChatCommand::Privacy));
        assert_eq!(command("/dataku berkas"), chat(ChatCommand::MyData { file: true }));
        assert_eq!(command("/hapus_data"), chat(ChatCommand::EraseRequest));
        assert_eq!(
            command("/nama Sri  Wahyuni"),
            chat(ChatCommand::Correct { field: Correction::Name, value: "Sri  Wahyuni".into() })
        );
    }

    #[test]
    fn bare_command_words_are_commands_and_reports_are_not() {
        let query = |q| Some(Command::Query(q));
        assert_eq!(command_or_keyword("Status"), query(Query::Status(None)));
        assert_eq!(command_or_keyword("status gj-2026-000001"), query(Query::Status(Some("GJ-2026-000001".into()))));
        assert_eq!(command_or_keyword("batal"), Some(Command::Chat(ChatCommand::Cancel)));
        assert_eq!(command_or_keyword("tiket GJ-2026-000007"), query(Query::Ticket("GJ-2026-000007".into())));
        assert_eq!(
            command_or_keyword("cari Ruang Server"),
            Some(Command::Chat(ChatCommand::Search("Ruang Server".into())))
        );
        assert_eq!(command_or_keyword("/antrian"), query(Query::Queue));
        assert_eq!(command_or_keyword("status internet mati sejak pagi"), None);
        assert_eq!(command_or_keyword("Batal rapat hari ini, internet mati"), None);
        assert_eq!(
            command_or_keyword("gabung gj-2026-000001 GJ-2026-000002"),
            Some(Command::Chat(ChatCommand::Link { parent: "GJ-2026-000001".into(), child: "GJ-2026-000002".into() }))
        );
        assert_eq!(
            command_or_keyword("pisah GJ-2026-000002"),
            Some(Command::Chat(ChatCommand::Unlink("GJ-2026-000002".into())))
        );
        assert_eq!(command_or_keyword("pisah dari kantor, internet mati"), None);
        assert_eq!(command_or_keyword("Privasi"), Some(Command::Chat(ChatCommand::Privacy)));
        assert_eq!(command_or_keyword("dataku berkas"), Some(Command::Chat(ChatCommand::MyData { file: true })));
        assert_eq!(command_or_keyword("hapus data"), Some(Command::Chat(ChatCommand::EraseRequest)));
        assert_eq!(
            command_or_keyword("instansi Dinas Kesehatan"),
            Some(Command::Chat(ChatCommand::Correct { field: Correction::Org, value: "Dinas Kesehatan".into() }))
        );
    }
}
