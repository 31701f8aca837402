//! Webhook delivery: the dispatcher that drains the outbox (`service::outbox`), the payloads
//! it sends, their signatures, the resolver that keeps them to allowed addresses, and when to
//! try again. Subscriptions are managed through `service::webhooks`; the receiver's side is
//! documented in `docs/webhooks.md`.

pub mod dispatcher;
pub mod payload;
pub mod resolver;
pub mod retry;
pub mod signature;
