-- Full-text search: an FTS5 table with one row per article (title, standfirst, body, tag
-- names, author names), kept in step with the content by the triggers below. Porter stemming
-- over unicode61 (diacritics folded), so `budgets` finds `budget` as on PostgreSQL.
--
-- Article ids are text, and an ordinary table's implicit rowid may change on VACUUM, so each
-- article gets a stable integer key of its own for the FTS row.
CREATE TABLE article_search_ids (
    fts_rowid INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL UNIQUE
);

-- Searches look each match up here: with what visibility, sorting and the common filters
-- read, the lookup never touches the table row (whose bodies span overflow pages).
CREATE INDEX articles_search_lookup_idx
    ON articles (id, status, published_at, embargo_until, updated_at, section_id, language);

CREATE VIRTUAL TABLE article_fts USING fts5(
    title, standfirst, body, tags, authors,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_search_insert AFTER INSERT ON articles BEGIN
    INSERT INTO article_search_ids (article_id) VALUES (new.id);
    INSERT INTO article_fts (rowid, title, standfirst, body, tags, authors)
    VALUES (
        (SELECT fts_rowid FROM article_search_ids WHERE article_id = new.id),
        new.title,
        coalesce(new.standfirst, ''),
        new.body_text,
        (SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tags x JOIN tags t ON t.id = x.tag_id
          WHERE x.article_id = new.id),
        (SELECT coalesce(group_concat(a.name, ' '), '') FROM article_authors x JOIN authors a ON a.id = x.author_id
          WHERE x.article_id = new.id)
    );
END;

CREATE TRIGGER articles_search_update AFTER UPDATE OF title, standfirst, body_text ON articles BEGIN
    UPDATE article_fts
       SET title = new.title, standfirst = coalesce(new.standfirst, ''), body = new.body_text
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = new.id);
END;

CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_fts
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = old.id);
    DELETE FROM article_search_ids WHERE article_id = old.id;
END;

-- Tagging and bylines: the names of one article.
CREATE TRIGGER article_tags_search_insert AFTER INSERT ON article_tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = new.article_id)
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = new.article_id);
END;

CREATE TRIGGER article_tags_search_delete AFTER DELETE ON article_tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = old.article_id)
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = old.article_id);
END;

CREATE TRIGGER article_tags_search_update AFTER UPDATE OF article_id, tag_id ON article_tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid))
     WHERE rowid IN (SELECT fts_rowid FROM article_search_ids WHERE article_id IN (old.article_id, new.article_id));
END;

CREATE TRIGGER article_authors_search_insert AFTER INSERT ON article_authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(a.name, ' '), '') FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = new.article_id)
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = new.article_id);
END;

CREATE TRIGGER article_authors_search_delete AFTER DELETE ON article_authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(a.name, ' '), '') FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = old.article_id)
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = old.article_id);
END;

CREATE TRIGGER article_authors_search_update AFTER UPDATE OF article_id, author_id ON article_authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(a.name, ' '), '') FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid))
     WHERE rowid IN (SELECT fts_rowid FROM article_search_ids WHERE article_id IN (old.article_id, new.article_id));
END;

-- A renamed tag or author changes the rows of every article that names it.
CREATE TRIGGER tags_search_update AFTER UPDATE OF name ON tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid))
     WHERE rowid IN (SELECT m.fts_rowid FROM article_search_ids m JOIN article_tags x ON x.article_id = m.article_id
                      WHERE x.tag_id = new.id);
END;

CREATE TRIGGER authors_search_update AFTER UPDATE OF name ON authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(a.name, ' '), '') FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid))
     WHERE rowid IN (SELECT m.fts_rowid FROM article_search_ids m JOIN article_authors x ON x.article_id = m.article_id
                      WHERE x.author_id = new.id);
END;

-- Existing articles.
INSERT INTO article_search_ids (article_id) SELECT id FROM articles ORDER BY id;
INSERT INTO article_fts (rowid, title, standfirst, body, tags, authors)
SELECT m.fts_rowid, a.title, coalesce(a.standfirst, ''), a.body_text,
       (SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tags x JOIN tags t ON t.id = x.tag_id
         WHERE x.article_id = a.id),
       (SELECT coalesce(group_concat(au.name, ' '), '') FROM article_authors x JOIN authors au ON au.id = x.author_id
         WHERE x.article_id = a.id)
  FROM article_search_ids m JOIN articles a ON a.id = m.article_id;
