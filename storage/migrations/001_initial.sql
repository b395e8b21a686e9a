-- Isnad archive schema 1 on PostgreSQL.
--
-- sources: one row per archived source. Metadata are columns (for SQL and for
-- people reading the database); the passages and posts, and any record field
-- a later version adds, live in `doc`, so a source survives a round trip
-- unchanged. `seq` keeps the order sources were added in.
CREATE TABLE sources (
    seq          bigserial   NOT NULL UNIQUE,
    id           text        PRIMARY KEY,
    title        text        NOT NULL DEFAULT '',
    publisher    text        NOT NULL DEFAULT '',
    author       text        NOT NULL DEFAULT '',
    date         text,                       -- ISO partial date: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'
    url          text        NOT NULL DEFAULT '',
    lang         text        NOT NULL DEFAULT '',
    added_by     text        NOT NULL DEFAULT '',
    added_at     text        NOT NULL DEFAULT '',  -- kept as written (ISO 8601 UTC)
    content_hash text        UNIQUE,              -- NULL when a source has none
    doc          jsonb       NOT NULL
);

-- The audit trail, oldest first by seq.
CREATE TABLE events (
    seq        bigserial PRIMARY KEY,
    action     text NOT NULL,
    source_id  text NOT NULL,
    by_whom    text NOT NULL DEFAULT '',
    at         text NOT NULL,
    detail     text NOT NULL DEFAULT ''
);
CREATE INDEX events_source_id ON events (source_id);

-- Small settings that must survive restarts (digest configuration).
CREATE TABLE settings (
    key    text  PRIMARY KEY,
    value  jsonb NOT NULL
);

-- The bot's query log: one JSON record per question asked.
CREATE TABLE query_log (
    seq     bigserial   PRIMARY KEY,
    at      timestamptz NOT NULL,
    record  jsonb       NOT NULL
);
CREATE INDEX query_log_at ON query_log (at);

-- The change log other processes follow to keep their search index in step.
-- Writers take one advisory lock per transaction (see postgres_store.py), so
-- cursors become visible in increasing order and a reader that remembers the
-- last cursor it saw never skips a change.
CREATE TABLE changes (
    cursor     bigserial   PRIMARY KEY,
    action     text        NOT NULL,   -- 'add' | 'remove'
    source_id  text        NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);

-- Every insert or delete of a source is logged and announced, whatever code
-- (or person with psql) made it. NOTIFY is delivered on commit only.
CREATE FUNCTION isnad_source_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    act text := CASE TG_OP WHEN 'INSERT' THEN 'add' ELSE 'remove' END;
    sid text := CASE TG_OP WHEN 'INSERT' THEN NEW.id ELSE OLD.id END;
    cur bigint;
BEGIN
    INSERT INTO changes (action, source_id) VALUES (act, sid) RETURNING cursor INTO cur;
    PERFORM pg_notify('isnad_changes',
                      json_build_object('cursor', cur, 'action', act, 'source_id', sid)::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER sources_changed
    AFTER INSERT OR DELETE ON sources
    FOR EACH ROW EXECUTE FUNCTION isnad_source_changed();
