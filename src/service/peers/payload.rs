//! The wire form of an invalidation between instances: compact JSON that fits PostgreSQL's
//! `NOTIFY` payload limit, split over several notifications when its keys do not fit in one.

use std::borrow::Cow;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::service::invalidation::Invalidation;

/// PostgreSQL refuses payloads of 8000 bytes or more (in its default build).
pub const LIMIT: usize = 7999;
/// Beyond this many notifications for one change, one `everything` is cheaper for every
/// instance than the keys (no write makes that many today; a bulk change might).
pub const MAX_PARTS: usize = 16;

/// One notification. Short names keep the keys' room large.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Message<'a> {
    /// The sending instance, which skips what it sent itself.
    from: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    everything: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_change: Option<NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    keys: Vec<Cow<'a, str>>,
}

impl Message<'_> {
    fn encode(&self) -> String {
        // Strings, a bool and a time: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The payloads that tell other instances of `what`, sent by instance `from`: none for an
/// empty invalidation; the keys split over as many notifications as they need, the first
/// carrying `next_change`; or one `everything` when a key alone would not fit or more than
/// [`MAX_PARTS`] notifications would be needed.
pub fn encode(from: &str, what: &Invalidation) -> Vec<String> {
    if what.is_empty() {
        return Vec::new();
    }
    let everything = || {
        vec![
            Message {
                from: from.into(),
                everything: true,
                next_change: what.next_change,
                keys: Vec::new(),
            }
            .encode(),
        ]
    };
    if what.everything {
        return everything();
    }
    let mut parts = Vec::new();
    let mut current = Message {
        from: from.into(),
        everything: false,
        next_change: what.next_change,
        keys: Vec::new(),
    };
    // `,"keys":[]` and the commas between keys come on top of the keys themselves.
    let mut size = current.encode().len() + r#","keys":[]"#.len();
    for key in &what.keys {
        let quoted = serde_json::to_string(key).unwrap_or_default().len();
        let separator = usize::from(!current.keys.is_empty());
        if size + separator + quoted > LIMIT && !current.keys.is_empty() {
            parts.push(current.encode());
            current = Message {
                from: from.into(),
                everything: false,
                next_change: None,
                keys: Vec::new(),
            };
            size = current.encode().len() + r#","keys":[]"#.len();
        }
        let separator = usize::from(!current.keys.is_empty());
        size += separator + quoted;
        current.keys.push(key.as_str().into());
    }
    parts.push(current.encode());
    if parts.len() > MAX_PARTS || parts.iter().any(|p| p.len() > LIMIT) {
        return everything();
    }
    parts
}

/// What one payload says, unless instance `me` sent it. A payload this version cannot read
/// says something changed without saying what: everything.
pub fn decode(payload: &str, me: &str) -> Option<Invalidation> {
    let Ok(message) = serde_json::from_str::<Message<'_>>(payload) else {
        tracing::warn!(
            payload_bytes = payload.len(),
            "an invalidation from another instance could not be read: dropping every cached answer"
        );
        return Some(Invalidation {
            everything: true,
            ..Invalidation::default()
        });
    };
    if message.from == me {
        return None;
    }
    Some(Invalidation {
        keys: message.keys.into_iter().map(Cow::into_owned).collect(),
        everything: message.everything,
        next_change: message.next_change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Invalidation {
        let mut what = Invalidation::default();
        for i in 0..n {
            what.keys
                .insert(format!("article:0192f1c4-7a3b-7c1e-9d2a-{i:012}"));
        }
        what
    }

    /// Every part decoded by another instance, merged.
    fn heard(parts: &[String]) -> Invalidation {
        let mut all = Invalidation::default();
        for part in parts {
            all.merge(decode(part, "other").expect("from another instance"));
        }
        all
    }

    #[test]
    fn a_small_change_is_one_compact_notification_that_round_trips() {
        let mut what = keys(3);
        what.keys.insert("articles".into());
        what.change_at(
            NaiveDateTime::parse_from_str("2031-05-01 08:00:00.123456", "%Y-%m-%d %H:%M:%S%.f")
                .expect("time"),
        );
        let parts = encode("me", &what);
        assert_eq!(parts.len(), 1);
        assert!(!parts[0].contains(' '), "compact: {}", parts[0]);
        assert!(parts[0].contains(r#""from":"me""#), "{}", parts[0]);
        assert_eq!(heard(&parts), what);
    }

    #[test]
    fn an_instance_skips_what_it_sent_itself() {
        let parts = encode("me", &keys(1));
        assert_eq!(decode(&parts[0], "me"), None);
        assert!(decode(&parts[0], "you").is_some());
    }

    #[test]
    fn many_keys_are_split_over_notifications_that_each_fit() {
        let mut what = keys(600);
        what.change_at(crate::domain::now());
        let parts = encode("me", &what);
        assert!(parts.len() > 1, "600 keys of ~50 bytes need several");
        assert!(parts.len() <= MAX_PARTS);
        for part in &parts {
            assert!(part.len() <= LIMIT, "{} bytes", part.len());
        }
        assert_eq!(heard(&parts), what, "nothing lost, nothing added");
    }

    #[test]
    fn what_would_need_too_many_notifications_goes_as_everything() {
        let mut what = keys(5_000);
        what.change_at(crate::domain::now());
        let parts = encode("me", &what);
        assert_eq!(parts.len(), 1);
        let got = heard(&parts);
        assert!(got.everything);
        assert_eq!(
            got.next_change, what.next_change,
            "the clock still hears it"
        );
    }

    #[test]
    fn a_key_too_long_for_any_notification_goes_as_everything() {
        let mut what = Invalidation::default();
        what.keys.insert("k".repeat(LIMIT));
        let parts = encode("me", &what);
        assert_eq!(parts.len(), 1);
        assert!(parts[0].len() <= LIMIT);
        assert!(heard(&parts).everything);
    }

    #[test]
    fn nothing_is_sent_for_an_empty_change_and_a_time_alone_is_sent() {
        assert!(encode("me", &Invalidation::default()).is_empty());
        let mut what = Invalidation::default();
        what.change_at(crate::domain::now());
        assert_eq!(heard(&encode("me", &what)), what);
    }

    #[test]
    fn an_unreadable_payload_drops_everything() {
        let got = decode("not json", "me").expect("heard");
        assert!(got.everything);
    }
}
