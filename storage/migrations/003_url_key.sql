-- Isnad archive schema 3: find a source by its page URL without reading them all.
--
-- url_key is storage.urls.url_key(url) (no scheme, www., fragment, tracking
-- parameters or trailing slash), written by the code that inserts a source;
-- PostgreSQL cannot compute it, so rows written before this version get it
-- from the store when it opens the archive (PostgresStore._fill_url_keys).
ALTER TABLE sources ADD COLUMN url_key text;
CREATE INDEX sources_url_key ON sources (url_key);
