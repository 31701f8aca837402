ALTER TABLE articles DROP COLUMN body_blocks;
