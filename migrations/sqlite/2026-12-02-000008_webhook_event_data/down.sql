ALTER TABLE webhook_events DROP COLUMN data;
