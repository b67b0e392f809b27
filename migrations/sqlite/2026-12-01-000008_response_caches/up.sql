-- Versions for the server's response caches (issue 9: fast public lists and verifier).
--
-- * `frameworks` gets the catalog triggers the other catalog tables have: the public skill
--   list shows each skill's framework code, and its cache is keyed on `catalog_version`
--   (`routes::cached`), so a framework change must move it.
-- * `keys_version` counts changes to `issuer_keys`. `POST /verify` keeps the trusted-issuer
--   list and the DID documents it builds from that table in memory while the version stands
--   (`services::credentials::resolver`); a new or retired key moves it, on every node at
--   once. It is a column of its own so key changes do not look like matching data changes.
ALTER TABLE data_version ADD COLUMN keys_version BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER frameworks_insert_data_version AFTER INSERT ON frameworks BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
CREATE TRIGGER frameworks_update_data_version AFTER UPDATE ON frameworks BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
CREATE TRIGGER frameworks_delete_data_version AFTER DELETE ON frameworks BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
CREATE TRIGGER issuer_keys_insert_keys_version AFTER INSERT ON issuer_keys BEGIN UPDATE data_version SET keys_version = keys_version + 1 WHERE id = 1; END;
CREATE TRIGGER issuer_keys_update_keys_version AFTER UPDATE ON issuer_keys BEGIN UPDATE data_version SET keys_version = keys_version + 1 WHERE id = 1; END;
CREATE TRIGGER issuer_keys_delete_keys_version AFTER DELETE ON issuer_keys BEGIN UPDATE data_version SET keys_version = keys_version + 1 WHERE id = 1; END;
