DROP INDEX articles_published_idx;
