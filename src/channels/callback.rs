//! Button data (Telegram callback data, WhatsApp reply ids): at most 64 bytes, opaque to the person, and signed so
//! a forged or edited button is recognised and logged. Being genuine does not make a press
//! valid: the core still checks role, step and version as for any other request.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::sop::{ActionKind, Sop, Target};
use crate::outbound::{ButtonAction, Choice, Pick};

/// Telegram refuses callback data longer than this.
pub const MAX_BYTES: usize = 64;
const MAC_BYTES: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("malformed callback data")]
    Malformed,
    #[error("callback data with a wrong signature")]
    Forged,
    #[error("callback data too long for Telegram ({0} bytes)")]
    TooLong(usize),
}

/// What a pressed button carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tapped {
    Action(ButtonAction),
    Choice(Choice),
}

/// Signs and reads button data with a key derived from a secret (the bot token).
#[derive(Clone)]
pub struct CallbackCodec {
    key: Vec<u8>,
}

impl std::fmt::Debug for CallbackCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallbackCodec(..)")
    }
}

impl CallbackCodec {
    pub fn new(secret: &str) -> Self {
        // A derived key: the token itself never appears in what is signed.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"sigap telegram callback v1").expect("HMAC takes any key");
        mac.update(secret.as_bytes());
        CallbackCodec { key: mac.finalize().into_bytes().to_vec() }
    }

    /// `t.v.k.s[.a].mac`: ticket id and version in base 36, the action's index in
    /// [`ActionKind::ALL`], the target (a step's index in the SOP, `c`losed, `r`ejected or
    /// `-`), the choice if any, and a truncated HMAC.
    pub fn encode(&self, action: &ButtonAction, sop: &Sop) -> Result<String, CallbackError> {
        let kind = ActionKind::ALL.iter().position(|k| *k == action.kind).ok_or(CallbackError::Malformed)?;
        let to = match action.to.clone().map(Target::from) {
            None => "-".to_owned(),
            Some(Target::Closed) => "c".to_owned(),
            Some(Target::Rejected) => "r".to_owned(),
            Some(Target::Step(id)) => {
                radix36(sop.steps.iter().position(|s| s.id == id).ok_or(CallbackError::Malformed)? as u64)
            }
        };
        let version = u64::try_from(action.version).map_err(|_| CallbackError::Malformed)?;
        let ticket = u64::try_from(action.ticket_id).map_err(|_| CallbackError::Malformed)?;
        let mut payload = format!("{}.{}.{}.{}", radix36(ticket), radix36(version), radix36(kind as u64), to);
        if let Some(arg) = action.arg {
            payload.push('.');
            payload.push_str(&radix36(u64::try_from(arg).map_err(|_| CallbackError::Malformed)?));
        }
        let data = format!("{payload}.{}", self.mac(&payload));
        if data.len() > MAX_BYTES {
            return Err(CallbackError::TooLong(data.len()));
        }
        Ok(data)
    }

    /// `*r.p.mac`: a conversation's revision in base 36 and the pick (a letter and maybe a
    /// number), signed like an action. `*` never starts an action's data.
    pub fn encode_choice(&self, choice: &Choice) -> Result<String, CallbackError> {
        let revision = u64::try_from(choice.revision).map_err(|_| CallbackError::Malformed)?;
        let pick = match choice.pick {
            Pick::Locale(i) => format!("l{}", radix36(u64::from(i))),
            Pick::Org(id) => format!("o{}", radix36(u64::try_from(id).map_err(|_| CallbackError::Malformed)?)),
            Pick::Page(n) => format!("p{}", radix36(u64::from(n))),
            Pick::Category(i) => format!("c{}", radix36(u64::from(i))),
            Pick::Score(i) => format!("r{}", radix36(u64::from(i))),
            Pick::Field(i) => format!("f{}", radix36(u64::from(i))),
            Pick::Skip => "s".into(),
            Pick::Submit => "k".into(),
            Pick::Edit => "e".into(),
            Pick::Cancel => "x".into(),
            Pick::AddFiles => "a".into(),
        };
        let payload = format!("*{}.{pick}", radix36(revision));
        let data = format!("{payload}.{}", self.mac(&payload));
        if data.len() > MAX_BYTES {
            return Err(CallbackError::TooLong(data.len()));
        }
        Ok(data)
    }

    /// A button's data, whichever kind it is.
    pub fn decode_any(&self, data: &str, sop: &Sop) -> Result<Tapped, CallbackError> {
        if data.starts_with('*') {
            self.decode_choice(data).map(Tapped::Choice)
        } else {
            self.decode(data, sop).map(Tapped::Action)
        }
    }

    fn decode_choice(&self, data: &str) -> Result<Choice, CallbackError> {
        let payload = self.verified(data)?;
        let (revision, pick) =
            payload.strip_prefix('*').and_then(|p| p.split_once('.')).ok_or(CallbackError::Malformed)?;
        let number = |s: &str| u64::from_str_radix(s, 36).map_err(|_| CallbackError::Malformed);
        let small = |s: &str| number(s).and_then(|n| u8::try_from(n).map_err(|_| CallbackError::Malformed));
        let (letter, rest) = pick.split_at_checked(1).ok_or(CallbackError::Malformed)?;
        let pick = match (letter, rest) {
            ("l", n) => Pick::Locale(small(n)?),
            ("o", n) => Pick::Org(i64::try_from(number(n)?).map_err(|_| CallbackError::Malformed)?),
            ("p", n) => Pick::Page(u32::try_from(number(n)?).map_err(|_| CallbackError::Malformed)?),
            ("c", n) => Pick::Category(small(n)?),
            ("r", n) => Pick::Score(small(n)?),
            ("f", n) => Pick::Field(small(n)?),
            ("s", "") => Pick::Skip,
            ("k", "") => Pick::Submit,
            ("e", "") => Pick::Edit,
            ("x", "") => Pick::Cancel,
            ("a", "") => Pick::AddFiles,
            _ => return Err(CallbackError::Malformed),
        };
        Ok(Choice { revision: i32::try_from(number(revision)?).map_err(|_| CallbackError::Malformed)?, pick })
    }

    /// The payload of signed data; `Forged` when the signature does not match.
    fn verified<'a>(&self, data: &'a str) -> Result<&'a str, CallbackError> {
        // Data that does not even carry a signature was not made by us.
        let (payload, mac) = data.rsplit_once('.').ok_or(CallbackError::Forged)?;
        // Compare in constant time: the MAC check is what tells a forged button.
        let expected = self.mac(payload);
        if expected.len() != mac.len() || !constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
            return Err(CallbackError::Forged);
        }
        Ok(payload)
    }

    pub fn decode(&self, data: &str, sop: &Sop) -> Result<ButtonAction, CallbackError> {
        let payload = self.verified(data)?;
        let parts: Vec<&str> = payload.split('.').collect();
        let (ticket, version, kind, to, arg) = match parts.as_slice() {
            [t, v, k, s] => (*t, *v, *k, *s, None),
            [t, v, k, s, a] => (*t, *v, *k, *s, Some(*a)),
            _ => return Err(CallbackError::Malformed),
        };
        let number = |s: &str| u64::from_str_radix(s, 36).map_err(|_| CallbackError::Malformed);
        let kind = *ActionKind::ALL
            .get(usize::try_from(number(kind)?).map_err(|_| CallbackError::Malformed)?)
            .ok_or(CallbackError::Malformed)?;
        let to = match to {
            "-" => None,
            "c" => Some("closed".to_owned()),
            "r" => Some("rejected".to_owned()),
            index => {
                let index = usize::try_from(number(index)?).map_err(|_| CallbackError::Malformed)?;
                Some(sop.steps.get(index).ok_or(CallbackError::Malformed)?.id.clone())
            }
        };
        Ok(ButtonAction {
            ticket_id: i64::try_from(number(ticket)?).map_err(|_| CallbackError::Malformed)?,
            version: i32::try_from(number(version)?).map_err(|_| CallbackError::Malformed)?,
            kind,
            to,
            arg: arg
                .map(|a| number(a).and_then(|n| i64::try_from(n).map_err(|_| CallbackError::Malformed)))
                .transpose()?,
        })
    }

    fn mac(&self, payload: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(payload.as_bytes());
        let bytes = mac.finalize().into_bytes();
        hex::encode(&bytes[..MAC_BYTES])
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0 && a.len() == b.len()
}

fn radix36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if n == 0 {
        return "0".into();
    }
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sop() -> Sop {
        Sop::parse(include_str!("../../config/sop/tebing-tinggi.toml")).unwrap()
    }

    fn action(kind: ActionKind, to: Option<&str>) -> ButtonAction {
        ButtonAction { ticket_id: 123_456_789, version: 4321, kind, to: to.map(str::to_owned), arg: None }
    }

    #[test]
    fn a_choice_travels_with_the_button() {
        let codec = CallbackCodec::new("123:ABC");
        let sop = sop();
        let button = ButtonAction { arg: Some(987_654), ..action(ActionKind::Assign, Some("analisa")) };
        let data = codec.encode(&button, &sop).unwrap();
        assert!(data.len() <= MAX_BYTES, "{data}");
        assert_eq!(codec.decode(&data, &sop).unwrap(), button);
    }

    #[test]
    fn every_action_of_every_step_round_trips_within_64_bytes() {
        let codec = CallbackCodec::new("123:ABC");
        let sop = sop();
        for step in &sop.steps {
            for def in &step.actions {
                let button = action(def.kind, def.to.as_ref().map(|t| t.to_string()).as_deref());
                let data = codec.encode(&button, &sop).unwrap();
                assert!(data.len() <= MAX_BYTES, "{data}");
                assert_eq!(codec.decode(&data, &sop).unwrap(), button);
            }
        }
    }

    #[test]
    fn an_edited_button_is_recognised_as_forged() {
        let codec = CallbackCodec::new("123:ABC");
        let sop = sop();
        let data = codec.encode(&action(ActionKind::Approve, Some("closed")), &sop).unwrap();
        let (payload, mac) = data.rsplit_once('.').unwrap();
        let other_ticket = format!("1{}", &payload[1..]);
        assert_eq!(codec.decode(&format!("{other_ticket}.{mac}"), &sop), Err(CallbackError::Forged));
        assert_eq!(codec.decode("garbage", &sop), Err(CallbackError::Forged));
    }

    #[test]
    fn conversation_choices_round_trip_and_are_signed() {
        let codec = CallbackCodec::new("123:ABC");
        let sop = sop();
        let picks = [
            Pick::Locale(1),
            Pick::Org(9_876_543_210),
            Pick::Page(41),
            Pick::Category(5),
            Pick::Score(4),
            Pick::Field(255),
            Pick::Skip,
            Pick::Submit,
            Pick::Edit,
            Pick::Cancel,
            Pick::AddFiles,
        ];
        for pick in picks {
            let choice = Choice { revision: 1_000_000, pick };
            let data = codec.encode_choice(&choice).unwrap();
            assert!(data.len() <= MAX_BYTES, "{data}");
            assert_eq!(codec.decode_any(&data, &sop).unwrap(), Tapped::Choice(choice));
        }
        let data = codec.encode_choice(&Choice { revision: 3, pick: Pick::Org(7) }).unwrap();
        let edited = data.replacen("o7", "o8", 1);
        assert_eq!(codec.decode_any(&edited, &sop), Err(CallbackError::Forged));
    }

    #[test]
    fn another_bots_buttons_are_not_accepted() {
        let sop = sop();
        let data = CallbackCodec::new("111:AAA").encode(&action(ActionKind::Forward, None), &sop).unwrap();
        assert_eq!(CallbackCodec::new("222:BBB").decode(&data, &sop), Err(CallbackError::Forged));
    }
}
