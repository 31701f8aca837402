//! Webhook delivery: the dispatcher that drains the outbox (`service::outbox`), the payloads
//! it sends, their signatures, and when to try again. Subscriptions are managed through
//! `service::webhooks`; the receiver's side is documented in `docs/webhooks.md`.

pub mod dispatcher;
pub mod payload;
pub mod retry;
pub mod signature;
