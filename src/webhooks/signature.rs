//! Signed requests: receivers check `Byline-Signature` against the body and
//! `Byline-Timestamp` with their copy of the subscription's secret, and refuse old timestamps
//! (replays). See `docs/webhooks.md`.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The delivery's id: the same on every retry, so receivers can drop repeats.
pub const DELIVERY_HEADER: &str = "Byline-Delivery";
/// The event's name, e.g. `article.published`.
pub const EVENT_HEADER: &str = "Byline-Event";
/// When this attempt was signed, in seconds since the Unix epoch.
pub const TIMESTAMP_HEADER: &str = "Byline-Timestamp";
/// `v1=` and the lower-case hex HMAC-SHA256 of `{timestamp}.{body}` under the secret.
pub const SIGNATURE_HEADER: &str = "Byline-Signature";

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Byline-Signature` value of a body sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

/// Why a request fails verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    Malformed,
    TooOld,
    BadSignature,
}

/// What a receiver does: checks the signature in constant time and refuses timestamps more
/// than `tolerance_secs` away from `now`.
pub fn verify(
    secret: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), Rejected> {
    let timestamp: i64 = timestamp.trim().parse().map_err(|_| Rejected::Malformed)?;
    if (now - timestamp).abs() > tolerance_secs {
        return Err(Rejected::TooOld);
    }
    let hex = signature
        .trim()
        .strip_prefix("v1=")
        .ok_or(Rejected::Malformed)?;
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(Rejected::Malformed);
    }
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| Rejected::Malformed))
        .collect::<Result<_, _>>()?;
    mac(secret, timestamp, body)
        .verify_slice(&bytes)
        .map_err(|_| Rejected::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_the_secret_only() {
        let body = br#"{"type":"article.published"}"#;
        let signature = sign("whsec_test_secret", 1_700_000_000, body);
        assert!(signature.starts_with("v1=") && signature.len() == 67);
        let check =
            |secret, ts: &str, sig: &str, body: &[u8], now| verify(secret, ts, sig, body, now, 300);
        assert_eq!(
            check(
                "whsec_test_secret",
                "1700000000",
                &signature,
                body,
                1_700_000_010
            ),
            Ok(())
        );
        assert_eq!(
            check(
                "another_secret__",
                "1700000000",
                &signature,
                body,
                1_700_000_010
            ),
            Err(Rejected::BadSignature)
        );
        assert_eq!(
            check(
                "whsec_test_secret",
                "1700000001",
                &signature,
                body,
                1_700_000_010
            ),
            Err(Rejected::BadSignature),
            "the timestamp is signed"
        );
        assert_eq!(
            check(
                "whsec_test_secret",
                "1700000000",
                &signature,
                b"{}",
                1_700_000_010
            ),
            Err(Rejected::BadSignature)
        );
        assert_eq!(
            check(
                "whsec_test_secret",
                "1700000000",
                &signature,
                body,
                1_700_001_000
            ),
            Err(Rejected::TooOld),
            "a replay after the tolerance is refused"
        );
        assert_eq!(
            check("whsec_test_secret", "x", &signature, body, 0),
            Err(Rejected::Malformed)
        );
    }
}
