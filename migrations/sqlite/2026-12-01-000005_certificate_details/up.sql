-- Issue 8: what a certificate says, and when it stops being valid.
-- A human certificate number (证书编号, e.g. JX-PXOU-2026-000123), printed and searchable;
-- NULL for certificates issued before numbers existed (their signed documents carry none).
ALTER TABLE credentials ADD COLUMN certificate_number TEXT;
CREATE UNIQUE INDEX credentials_certificate_number_key ON credentials (certificate_number);
-- Per issuer and year, the next certificate number's sequence. Updated in the issuing
-- transaction: the row lock (PostgreSQL) or the write lock (SQLite) serialises issuers.
CREATE TABLE certificate_counters (
    issuer_org_id TEXT NOT NULL REFERENCES organizations (id),
    year INTEGER NOT NULL,
    next_value BIGINT NOT NULL,
    PRIMARY KEY (issuer_org_id, year)
);
-- Optional validity (months) of a course's training certificate and of an occupation's
-- skill-level certificate; NULL = does not expire.
ALTER TABLE courses ADD COLUMN valid_months INTEGER;
ALTER TABLE occupations ADD COLUMN valid_months INTEGER;
-- Completions a cohort job left out because they were not passed.
ALTER TABLE issuance_jobs ADD COLUMN not_passed INTEGER NOT NULL DEFAULT 0;
-- Data repairs the binary runs once after these migrations (services::upgrade): a row here
-- is a repair still to run; the repair deletes it in the transaction that does the work.
CREATE TABLE data_repairs (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
-- Certificates issued before issuance knew pass from fail: revoke those of failed completions
-- ("issued for a failed result"), through the status lists, so every verifier sees it.
INSERT INTO data_repairs (name, created_at) VALUES ('revoke_certificates_of_failed_completions', '2026-12-01T00:00:00Z');
