//! `sigap sop check`: validate an SOP file and print it the way an official reads an SOP.

use rust_i18n::t;

use super::CliError;
use crate::config::{self, LoadedSop};
use crate::domain::sop::Target;
use crate::i18n;
use crate::settings::Settings;

pub fn check(file: Option<&str>, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let spec = file.unwrap_or(&settings.sop);
    let loaded = config::load_sop(spec, &settings.config_dir).map_err(|e| {
        CliError(t!("cli.sop_invalid", locale = locale, origin = spec, error = e.to_string()).into_owned())
    })?;
    print!("{}", describe(&loaded, locale));
    Ok(())
}

pub fn describe(loaded: &LoadedSop, locale: &str) -> String {
    let sop = &loaded.sop;
    let none = t!("notice.none", locale = locale).into_owned();
    let mut out = String::new();
    out.push_str(&t!(
        "cli.sop_header",
        locale = locale,
        id = sop.id(),
        name = sop.header.name,
        office = sop.header.office,
        number = sop.header.number.as_deref().unwrap_or(&none),
        target = i18n::limit(locale, sop.header.target),
        tz = loaded.calendar.timezone().name(),
        origin = loaded.origin
    ));
    out.push('\n');
    out.push_str(&t!("cli.sop_steps", locale = locale));
    out.push('\n');
    for (n, step) in sop.steps.iter().enumerate() {
        out.push_str(&t!(
            "cli.sop_step",
            locale = locale,
            n = n + 1,
            id = step.id,
            name = step.display_name(locale),
            role = i18n::role(locale, step.role),
            limit = i18n::limit(locale, step.limit),
            output = step.output.as_deref().unwrap_or(&none)
        ));
        out.push('\n');
        if step.pause_target_clock {
            out.push_str(&t!("cli.sop_step_paused", locale = locale));
            out.push('\n');
        }
        for action in &step.actions {
            let to = match &action.to {
                None => none.clone(),
                Some(Target::Step(id)) => id.clone(),
                Some(Target::Closed) => i18n::status(locale, crate::domain::ticket::TicketStatus::Closed),
                Some(Target::Rejected) => i18n::status(locale, crate::domain::ticket::TicketStatus::Rejected),
            };
            let next_role = match &action.to {
                Some(Target::Step(id)) => sop.step(id).map(|s| s.role),
                _ => None,
            };
            let label = format!("{} ({})", i18n::action_label(locale, action.kind, next_role), action.kind);
            out.push_str(&t!("cli.sop_action", locale = locale, action = label, to = to));
            out.push('\n');
        }
    }
    out.push_str(&t!("cli.sop_ok", locale = locale, steps = sop.steps.len()));
    out.push('\n');
    out
}
