ALTER TABLE articles DROP COLUMN public_since;
