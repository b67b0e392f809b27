DROP TRIGGER issuer_keys_keys_version ON issuer_keys;
DROP FUNCTION bump_keys_version();
DROP TRIGGER frameworks_data_version ON frameworks;
ALTER TABLE data_version DROP COLUMN keys_version;
