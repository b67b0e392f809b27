-- Versions for the server's response caches (issue 9); see the SQLite twin for the design.
ALTER TABLE data_version ADD COLUMN keys_version BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER frameworks_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON frameworks FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();

CREATE FUNCTION bump_keys_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET keys_version = keys_version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER issuer_keys_keys_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON issuer_keys FOR EACH STATEMENT EXECUTE FUNCTION bump_keys_version();
