//! Platform rate limits, kept by the sender before the platform has to say no: Telegram
//! allows about one message a second to one chat and thirty a second overall; WhatsApp's
//! Cloud API about eighty a second per number.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::ticket::Channel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_chat_interval: Duration,
    pub per_second: usize,
}

impl Limits {
    pub fn for_channel(channel: Channel) -> Limits {
        match channel {
            Channel::Telegram => Limits { per_chat_interval: Duration::from_secs(1), per_second: 30 },
            Channel::Whatsapp => Limits { per_chat_interval: Duration::from_millis(200), per_second: 80 },
            Channel::Cli | Channel::System | Channel::Monitoring | Channel::Web => {
                Limits { per_chat_interval: Duration::ZERO, per_second: usize::MAX }
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct Pacer {
    last_to_chat: HashMap<(Channel, String), DateTime<Utc>>,
    recent: HashMap<Channel, VecDeque<DateTime<Utc>>>,
    overrides: HashMap<Channel, Limits>,
}

impl Pacer {
    pub fn with_limits(overrides: HashMap<Channel, Limits>) -> Pacer {
        Pacer { overrides, ..Pacer::default() }
    }

    fn limits(&self, channel: Channel) -> Limits {
        self.overrides.get(&channel).copied().unwrap_or_else(|| Limits::for_channel(channel))
    }

    /// May a message go to `address` now?
    pub fn allows(&mut self, channel: Channel, address: &str, now: DateTime<Utc>) -> bool {
        let limits = self.limits(channel);
        let second_ago = now - chrono::Duration::seconds(1);
        let recent = self.recent.entry(channel).or_default();
        while recent.front().is_some_and(|t| *t <= second_ago) {
            recent.pop_front();
        }
        if recent.len() >= limits.per_second {
            return false;
        }
        let interval = chrono::Duration::from_std(limits.per_chat_interval).unwrap_or_default();
        match self.last_to_chat.get(&(channel, address.to_owned())) {
            Some(last) => now - *last >= interval,
            None => true,
        }
    }

    pub fn record(&mut self, channel: Channel, address: &str, now: DateTime<Utc>) {
        self.last_to_chat.insert((channel, address.to_owned()), now);
        self.recent.entry(channel).or_default().push_back(now);
        // Forget chats idle for a minute, so the map does not grow with every reporter.
        if self.last_to_chat.len() > 10_000 {
            let cutoff = now - chrono::Duration::minutes(1);
            self.last_to_chat.retain(|_, t| *t > cutoff);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap()
    }

    #[test]
    fn one_telegram_chat_gets_at_most_one_message_a_second() {
        let mut p = Pacer::default();
        assert!(p.allows(Channel::Telegram, "42", at(0)));
        p.record(Channel::Telegram, "42", at(0));
        assert!(!p.allows(Channel::Telegram, "42", at(500)));
        assert!(p.allows(Channel::Telegram, "43", at(500)));
        assert!(p.allows(Channel::Telegram, "42", at(1000)));
    }

    #[test]
    fn telegram_overall_stops_at_thirty_a_second() {
        let mut p = Pacer::default();
        for i in 0..30 {
            p.record(Channel::Telegram, &i.to_string(), at(i));
        }
        assert!(!p.allows(Channel::Telegram, "new", at(100)));
        assert!(p.allows(Channel::Whatsapp, "+628", at(100)));
        assert!(p.allows(Channel::Telegram, "new", at(1001)));
    }
}
