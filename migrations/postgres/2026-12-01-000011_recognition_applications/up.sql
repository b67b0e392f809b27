-- Recognition applications and decisions, trusted external issuers and the external
-- credentials a learner keeps in their account (issue 10, parts 3 and 4;
-- docs/RECOGNITION.md). Same layout on both backends.

-- An authority's list of trusted external issuers: only their did:web documents and status
-- lists are ever fetched, and only their credentials can ground a recognition.
-- achievement_types: a JSON array of OBv3 achievementType values the issuer may issue
-- (empty: any). valid_from / valid_until: ISO 8601 dates.
CREATE TABLE trusted_issuers (
    id TEXT PRIMARY KEY NOT NULL,
    did TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    achievement_types TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    added_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Credentials from other systems that a learner keeps in their account. `trusted`: the
-- issuer was on the trusted list when last checked; `state`: valid, untrusted, revoked,
-- suspended, expired or invalid, from the last check (`checks`: each check, as JSON).
CREATE TABLE external_credentials (
    id TEXT PRIMARY KEY NOT NULL,
    learner_id TEXT NOT NULL REFERENCES users (id),
    credential_id TEXT NOT NULL,
    issuer_did TEXT NOT NULL,
    issuer_name TEXT,
    achievement_id TEXT NOT NULL,
    achievement_name TEXT NOT NULL,
    achievement_type TEXT,
    level INTEGER,
    json TEXT NOT NULL,
    trusted BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    checks TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    valid_until TEXT,
    checked_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (learner_id, credential_id)
);
CREATE INDEX external_credentials_issuer ON external_credentials (issuer_did);

-- A learner's application for a target outcome. state: pending, approved, rejected or
-- suspended (approved, then a source stopped being in force). open_key is
-- `learner_id target` while the application is pending and NULL afterwards: the unique
-- index is what makes "one open application per learner and target" hold under races.
-- proposal: the evaluation of the rules (JSON) when the learner applied. credential_id: the
-- signed recognition, once approved (UNIQUE: deciding twice never makes two).
CREATE TABLE recognition_applications (
    id TEXT PRIMARY KEY NOT NULL,
    learner_id TEXT NOT NULL REFERENCES users (id),
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    open_key TEXT UNIQUE,
    rule_id TEXT NOT NULL REFERENCES recognition_rules (id),
    owner_id TEXT NOT NULL REFERENCES organizations (id),
    proposal TEXT NOT NULL,
    credential_id TEXT UNIQUE REFERENCES credentials (id),
    decided_by TEXT REFERENCES users (id),
    decided_at TEXT,
    decision_comment TEXT,
    status_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX recognition_applications_learner ON recognition_applications (learner_id);
CREATE INDEX recognition_applications_owner ON recognition_applications (owner_id, state);

-- The evidence of an application, each piece as checked when the learner applied.
-- source_kind: `credential` (issued here; source_id = credentials.id) or `external`
-- (source_id = external_credentials.id). The index on the source finds the recognitions
-- resting on a credential when it is revoked (the cascade).
CREATE TABLE recognition_evidence (
    application_id TEXT NOT NULL REFERENCES recognition_applications (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    outcome TEXT,
    name TEXT NOT NULL,
    issued_on TEXT,
    checks TEXT NOT NULL,
    PRIMARY KEY (application_id, position)
);
CREATE INDEX recognition_evidence_source ON recognition_evidence (source_kind, source_id);
