DROP TABLE data_repairs;
ALTER TABLE issuance_jobs DROP COLUMN not_passed;
ALTER TABLE occupations DROP COLUMN valid_months;
ALTER TABLE courses DROP COLUMN valid_months;
DROP TABLE certificate_counters;
DROP INDEX credentials_certificate_number_key;
ALTER TABLE credentials DROP COLUMN certificate_number;
