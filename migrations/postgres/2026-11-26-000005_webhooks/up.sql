-- Webhooks: subscriptions, the outbox of events (written in the same transaction as the
-- change that caused them), one delivery per event and subscription, and every attempt.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    -- A JSON array of event names, e.g. ["article.published","article.deleted"].
    events TEXT NOT NULL,
    -- Kept as given: the dispatcher needs it to sign every request.
    secret TEXT NOT NULL,
    description TEXT,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY NOT NULL,
    event TEXT NOT NULL,
    -- The article, author, tag or section the event is about; the slug serves notices
    -- about things that are gone.
    subject_id TEXT NOT NULL,
    subject_slug TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    -- Not delivered before this time: an article scheduled or under embargo is announced
    -- when the public may see it.
    available_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_events_subject_idx ON webhook_events (subject_id);

CREATE TABLE webhook_deliveries (
    -- Sent as `Byline-Delivery`; the same on every retry, so receivers can drop repeats.
    id TEXT PRIMARY KEY NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- Which dispatcher holds the delivery, and until when; an expired lease (a stopped
    -- process) lets any other dispatcher take it.
    lease_token TEXT,
    leased_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    started_at TIMESTAMP NOT NULL,
    duration_ms INTEGER NOT NULL,
    response_status INTEGER,
    error TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
