DROP TABLE recognition_evidence;
DROP TABLE recognition_applications;
DROP TABLE external_credentials;
DROP TABLE trusted_issuers;
