//! WhatsApp numbers normalised to E.164, so that `0812-3456-7890`, `62812…` and `+62 812…`
//! are one person. Indonesian local numbers (leading 0) get the +62 country code.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a phone number (expected e.g. 081234567890 or +6281234567890)")]
pub struct InvalidPhone(pub String);

impl PhoneNumber {
    /// The E.164 form with its leading `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits WhatsApp's Cloud API uses as `wa_id` (E.164 without `+`).
    pub fn wa_id(&self) -> &str {
        &self.0[1..]
    }
}

impl FromStr for PhoneNumber {
    type Err = InvalidPhone;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidPhone(raw.to_owned());
        let trimmed = raw.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        // People type separators freely; anything else is not a number.
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(invalid()),
            }
        }
        let international = if plus {
            digits
        } else if let Some(local) = digits.strip_prefix('0') {
            format!("62{local}")
        } else {
            digits
        };
        // E.164 allows at most 15 digits; Indonesian mobiles have at least 10 with the 62.
        if !(10..=15).contains(&international.len()) || international.starts_with('0') {
            return Err(invalid());
        }
        Ok(PhoneNumber(format!("+{international}")))
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidPhone;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_international_forms_are_the_same_person() {
        let expected = "+6281234567890";
        for raw in ["081234567890", "6281234567890", "+6281234567890", "+62 812-3456-7890", "0812.3456.7890"] {
            assert_eq!(raw.parse::<PhoneNumber>().unwrap().as_str(), expected, "{raw}");
        }
    }

    #[test]
    fn the_wa_id_has_no_plus() {
        let phone: PhoneNumber = "081234567890".parse().unwrap();
        assert_eq!(phone.wa_id(), "6281234567890");
    }

    #[test]
    fn garbage_and_wrong_lengths_are_refused() {
        for raw in ["", "abc", "0812", "+0812345678901", "0812345678901234567", "0812x3456789"] {
            assert!(raw.parse::<PhoneNumber>().is_err(), "{raw}");
        }
    }
}
