-- A tag's newest articles, walked in order: each tagging carries its article's
-- published_at, so a page of one tag reads (tag_id, published_at, article_id) from this index
-- and stops after the page, instead of visiting every article of the tag and sorting them
-- (the cost grew with the tag). Triggers keep the copy exact, whoever writes; the visibility
-- rule is still checked on the article row, so the copy orders a list but never admits to it.
ALTER TABLE article_tags ADD COLUMN published_at TIMESTAMP;
UPDATE article_tags
   SET published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_tags.article_id);
CREATE INDEX article_tags_tag_published_idx ON article_tags (tag_id, published_at, article_id);

CREATE TRIGGER article_tags_published_insert AFTER INSERT ON article_tags
BEGIN
    UPDATE article_tags
       SET published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id)
     WHERE article_id = NEW.article_id AND tag_id = NEW.tag_id;
END;

CREATE TRIGGER articles_published_copy AFTER UPDATE OF published_at ON articles
WHEN NEW.published_at IS NOT OLD.published_at
BEGIN
    UPDATE article_tags SET published_at = NEW.published_at WHERE article_id = NEW.id;
END;

-- A page's authors and tags, read in byline and display order for its articles' ids: from
-- these alone, without a sort and without visiting the link tables' rows.
CREATE INDEX article_tags_order_idx ON article_tags (article_id, position, tag_id);
CREATE INDEX article_authors_order_idx ON article_authors (article_id, position, author_id);

-- Tag and author names go into the search index in display and byline order (an ordered
-- subquery, not ORDER BY inside group_concat, which SQLite before 3.44 cannot read: the
-- sqlite3 shell of an older system would call the whole schema malformed). Before, the
-- order was whatever index the planner took (the link tables' primary key, by id), and with
-- the order indexes above a bulk load and the triggers could take different ones.
DROP TRIGGER articles_search_insert;
CREATE TRIGGER articles_search_insert AFTER INSERT ON articles BEGIN
    INSERT INTO article_search_ids (article_id) VALUES (new.id);
    INSERT INTO article_fts (rowid, title, standfirst, body, tags, authors)
    VALUES (
        (SELECT fts_rowid FROM article_search_ids WHERE article_id = new.id),
        new.title,
        coalesce(new.standfirst, ''),
        new.body_text,
        (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT t.name FROM article_tags x JOIN tags t ON t.id = x.tag_id
          WHERE x.article_id = new.id ORDER BY x.position)),
        (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT a.name FROM article_authors x JOIN authors a ON a.id = x.author_id
          WHERE x.article_id = new.id ORDER BY x.position))
    );
END;
DROP TRIGGER article_tags_search_insert;
CREATE TRIGGER article_tags_search_insert AFTER INSERT ON article_tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT t.name FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = new.article_id ORDER BY x.position))
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = new.article_id);
END;
DROP TRIGGER article_tags_search_delete;
CREATE TRIGGER article_tags_search_delete AFTER DELETE ON article_tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT t.name FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = old.article_id ORDER BY x.position))
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = old.article_id);
END;
DROP TRIGGER article_tags_search_update;
CREATE TRIGGER article_tags_search_update AFTER UPDATE OF article_id, tag_id ON article_tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT t.name FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid) ORDER BY x.position))
     WHERE rowid IN (SELECT fts_rowid FROM article_search_ids WHERE article_id IN (old.article_id, new.article_id));
END;
DROP TRIGGER article_authors_search_insert;
CREATE TRIGGER article_authors_search_insert AFTER INSERT ON article_authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT a.name FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = new.article_id ORDER BY x.position))
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = new.article_id);
END;
DROP TRIGGER article_authors_search_delete;
CREATE TRIGGER article_authors_search_delete AFTER DELETE ON article_authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT a.name FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = old.article_id ORDER BY x.position))
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = old.article_id);
END;
DROP TRIGGER article_authors_search_update;
CREATE TRIGGER article_authors_search_update AFTER UPDATE OF article_id, author_id ON article_authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT a.name FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid) ORDER BY x.position))
     WHERE rowid IN (SELECT fts_rowid FROM article_search_ids WHERE article_id IN (old.article_id, new.article_id));
END;
DROP TRIGGER tags_search_update;
CREATE TRIGGER tags_search_update AFTER UPDATE OF name ON tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT t.name FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid) ORDER BY x.position))
     WHERE rowid IN (SELECT m.fts_rowid FROM article_search_ids m JOIN article_tags x ON x.article_id = m.article_id
                      WHERE x.tag_id = new.id);
END;
DROP TRIGGER authors_search_update;
CREATE TRIGGER authors_search_update AFTER UPDATE OF name ON authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT a.name FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid) ORDER BY x.position))
     WHERE rowid IN (SELECT m.fts_rowid FROM article_search_ids m JOIN article_authors x ON x.article_id = m.article_id
                      WHERE x.author_id = new.id);
END;
