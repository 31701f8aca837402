//! API keys: `byl_<prefix>_<secret>`. The prefix finds the key; only a SHA-256 of the secret
//! is stored, and it is compared in constant time. Keys carry 190 bits of randomness, so a
//! fast hash is enough (no password stretching needed).

use rand::{Rng, distr::Alphanumeric};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const KEY_MARK: &str = "byl_";
const PREFIX_LEN: usize = 12;
const SECRET_LEN: usize = 32;

/// A freshly made key: the text shown once, and what is stored.
pub struct MintedKey {
    pub plaintext: String,
    pub prefix: String,
    pub secret_hash: String,
}

fn random_text(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

pub fn mint() -> MintedKey {
    let prefix = random_text(PREFIX_LEN);
    let secret = random_text(SECRET_LEN);
    MintedKey {
        plaintext: format!("{KEY_MARK}{prefix}_{secret}"),
        secret_hash: hash_secret(&secret),
        prefix,
    }
}

/// Splits a presented key into prefix and secret; `None` when it is not shaped like a key.
pub fn split(presented: &str) -> Option<(&str, &str)> {
    let rest = presented.strip_prefix(KEY_MARK)?;
    let (prefix, secret) = rest.split_once('_')?;
    let shaped = prefix.len() == PREFIX_LEN
        && secret.len() == SECRET_LEN
        && prefix
            .bytes()
            .chain(secret.bytes())
            .all(|b| b.is_ascii_alphanumeric());
    shaped.then_some((prefix, secret))
}

pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    hash_secret(secret)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_keys_verify_and_others_do_not() {
        let key = mint();
        let (prefix, secret) = split(&key.plaintext).expect("well-formed");
        assert_eq!(prefix, key.prefix);
        assert!(secret_matches(secret, &key.secret_hash));
        assert!(!secret_matches("x".repeat(32).as_str(), &key.secret_hash));
        assert!(split("byl_short_x").is_none());
        assert!(split("Bearer nonsense").is_none());
    }
}
