DROP TRIGGER articles_search_insert;
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
DROP TRIGGER article_tags_search_insert;
CREATE TRIGGER article_tags_search_insert AFTER INSERT ON article_tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = new.article_id)
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = new.article_id);
END;
DROP TRIGGER article_tags_search_delete;
CREATE TRIGGER article_tags_search_delete AFTER DELETE ON article_tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = old.article_id)
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = old.article_id);
END;
DROP TRIGGER article_tags_search_update;
CREATE TRIGGER article_tags_search_update AFTER UPDATE OF article_id, tag_id ON article_tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid))
     WHERE rowid IN (SELECT fts_rowid FROM article_search_ids WHERE article_id IN (old.article_id, new.article_id));
END;
DROP TRIGGER article_authors_search_insert;
CREATE TRIGGER article_authors_search_insert AFTER INSERT ON article_authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(a.name, ' '), '') FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = new.article_id)
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = new.article_id);
END;
DROP TRIGGER article_authors_search_delete;
CREATE TRIGGER article_authors_search_delete AFTER DELETE ON article_authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(a.name, ' '), '') FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = old.article_id)
     WHERE rowid = (SELECT fts_rowid FROM article_search_ids WHERE article_id = old.article_id);
END;
DROP TRIGGER article_authors_search_update;
CREATE TRIGGER article_authors_search_update AFTER UPDATE OF article_id, author_id ON article_authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(a.name, ' '), '') FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid))
     WHERE rowid IN (SELECT fts_rowid FROM article_search_ids WHERE article_id IN (old.article_id, new.article_id));
END;
DROP TRIGGER tags_search_update;
CREATE TRIGGER tags_search_update AFTER UPDATE OF name ON tags BEGIN
    UPDATE article_fts
       SET tags = (SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tags x JOIN tags t ON t.id = x.tag_id
                    WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid))
     WHERE rowid IN (SELECT m.fts_rowid FROM article_search_ids m JOIN article_tags x ON x.article_id = m.article_id
                      WHERE x.tag_id = new.id);
END;
DROP TRIGGER authors_search_update;
CREATE TRIGGER authors_search_update AFTER UPDATE OF name ON authors BEGIN
    UPDATE article_fts
       SET authors = (SELECT coalesce(group_concat(a.name, ' '), '') FROM article_authors x JOIN authors a ON a.id = x.author_id
                       WHERE x.article_id = (SELECT m.article_id FROM article_search_ids m WHERE m.fts_rowid = article_fts.rowid))
     WHERE rowid IN (SELECT m.fts_rowid FROM article_search_ids m JOIN article_authors x ON x.article_id = m.article_id
                      WHERE x.author_id = new.id);
END;
DROP INDEX article_authors_order_idx;
DROP INDEX article_tags_order_idx;
DROP TRIGGER articles_published_copy;
DROP TRIGGER article_tags_published_insert;
DROP INDEX article_tags_tag_published_idx;
ALTER TABLE article_tags DROP COLUMN published_at;
