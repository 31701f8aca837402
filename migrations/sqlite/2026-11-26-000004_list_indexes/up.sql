-- Newest-first lists walk this index and stop after a page; the (status, published_at)
-- index cannot serve them, since the visibility rule admits two statuses.
CREATE INDEX articles_published_idx ON articles (published_at, id);
