-- The body as a block document (JSON), for clients that render natively. Empty until
-- `byline`'s backfill (src/service/body_backfill.rs, run right after migrations) has read it
-- from the stored HTML; the HTML itself is not touched.
ALTER TABLE articles ADD COLUMN body_blocks TEXT NOT NULL DEFAULT '';
