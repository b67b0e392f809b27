ALTER TABLE issuance_jobs DROP COLUMN lease_expires_at;
ALTER TABLE issuance_jobs DROP COLUMN owner;
