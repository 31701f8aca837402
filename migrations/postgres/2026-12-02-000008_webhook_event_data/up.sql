-- What an event carries beyond its subject, as JSON: a `cache.purge` holds its surrogate keys,
-- `everything` and its reason here (it has no subject to read at delivery). NULL for the
-- content events, whose payload is read when they are sent.
ALTER TABLE webhook_events ADD COLUMN data TEXT;
