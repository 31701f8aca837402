-- A tag's newest articles, walked in order: each tagging carries its article's
-- published_at, so a page of one tag reads (tag_id, published_at, article_id) from this index
-- and stops after the page, instead of visiting every article of the tag and sorting them
-- (the cost grew with the tag). Triggers keep the copy exact, whoever writes; the visibility
-- rule is still checked on the article row, so the copy orders a list but never admits to it.
ALTER TABLE article_tags ADD COLUMN published_at TIMESTAMP;
UPDATE article_tags t
   SET published_at = a.published_at
  FROM articles a
 WHERE a.id = t.article_id;
CREATE INDEX article_tags_tag_published_idx ON article_tags (tag_id, published_at, article_id);

CREATE FUNCTION byline_tagging_published_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.published_at := (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER article_tags_published_insert BEFORE INSERT OR UPDATE OF article_id ON article_tags
    FOR EACH ROW EXECUTE FUNCTION byline_tagging_published_at();

CREATE FUNCTION byline_article_published_copy() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET published_at = NEW.published_at WHERE article_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER articles_published_copy AFTER UPDATE OF published_at ON articles
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION byline_article_published_copy();

-- A page's authors and tags, read in byline and display order for its articles' ids: from
-- these alone, without a sort and without visiting the link tables' rows.
CREATE INDEX article_tags_order_idx ON article_tags (article_id, position, tag_id);
CREATE INDEX article_authors_order_idx ON article_authors (article_id, position, author_id);

-- Tag and author names go into the search document in display and byline order, as on
-- SQLite; before, the order was whatever index the planner took.
CREATE OR REPLACE FUNCTION byline_search_names(article TEXT, cfg regconfig) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector(cfg,
        coalesce((SELECT string_agg(t.name, ' ' ORDER BY x.position) FROM article_tags x
                    JOIN tags t ON t.id = x.tag_id WHERE x.article_id = article), '')
        || ' ' ||
        coalesce((SELECT string_agg(a.name, ' ' ORDER BY x.position) FROM article_authors x
                    JOIN authors a ON a.id = x.author_id WHERE x.article_id = article), '')), 'D')
$$;
