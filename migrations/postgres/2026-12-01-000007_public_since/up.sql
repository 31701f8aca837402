-- When the public could first see an article (its publication or embargo lift), or NULL if it
-- never could. Only an article the public saw can be "withdrawn": answer 410 Gone and get a
-- kill notice in the partner stream; one nobody saw answers 404 and stays out of the stream.
-- first_published_at cannot tell: it is set at publication even under a future embargo.
ALTER TABLE articles ADD COLUMN public_since TIMESTAMP;
-- Articles already withdrawn that went out without a later embargo were seen at their first
-- publication. Visible articles are recorded by the next change that loads them.
UPDATE articles SET public_since = first_published_at
WHERE first_published_at IS NOT NULL
  AND (embargo_until IS NULL OR embargo_until <= first_published_at);
