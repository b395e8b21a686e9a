-- Isnad archive schema 2: the archive's identity.
--
-- A random id made once, when the schema is created (or upgraded to this
-- version). Processes key things kept outside the database by it, e.g. the
-- saved search index in the user's cache directory: two databases never share
-- one, and a database dropped and created again under the same name gets a new
-- id, so it is not mistaken for the old one. Kept apart from `settings`, which
-- an archive copy (storage/migrate.py) carries over to another database.
CREATE TABLE archive_identity (
    one         boolean     PRIMARY KEY DEFAULT true CHECK (one),  -- a single row
    archive_id  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO archive_identity (archive_id) VALUES (replace(gen_random_uuid()::text, '-', ''));
