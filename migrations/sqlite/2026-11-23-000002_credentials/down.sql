DROP TABLE issuance_jobs;
DROP TABLE credentials;
DROP TABLE status_lists;
DROP TABLE issuer_keys;
