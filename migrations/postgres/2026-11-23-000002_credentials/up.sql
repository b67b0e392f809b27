-- Verifiable credentials (issue 4): issuer and holder keys (secrets encrypted under the
-- key-encryption key, never stored in clear), status lists, issued credentials and cohort
-- issuance jobs. Same layout on both backends; only the binary type's name differs.

-- Ed25519 keys. owner_kind: 'platform' (owner_id NULL), 'org' (organization id) or
-- 'learner' (user id, the holder key behind the learner's did:key). The secret seed is
-- sealed with XChaCha20-Poly1305 under the KEK; the AAD binds it to did + fragment.
CREATE TABLE issuer_keys (
    id TEXT PRIMARY KEY NOT NULL,
    owner_kind TEXT NOT NULL,
    owner_id TEXT,
    did TEXT NOT NULL,
    fragment TEXT NOT NULL,
    public_multibase TEXT NOT NULL,
    secret_enc BYTEA NOT NULL,
    nonce BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (did, fragment)
);
CREATE INDEX issuer_keys_owner ON issuer_keys (owner_kind, owner_id);

-- Bitstring status lists (W3C Bitstring Status List v1.0), one per issuer DID and purpose
-- (more when one fills up). bits: the published bitstring; allocated: which indexes were
-- handed out (never reused). credential: the signed list credential, cached; NULL after a
-- change, re-signed on the next read.
CREATE TABLE status_lists (
    id TEXT PRIMARY KEY NOT NULL,
    issuer_did TEXT NOT NULL,
    purpose TEXT NOT NULL,
    size INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    bits BYTEA NOT NULL,
    allocated BYTEA NOT NULL,
    credential TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX status_lists_issuer ON status_lists (issuer_did, purpose);

-- Issued credentials. completion_id UNIQUE makes issuance from a completion idempotent;
-- skill-level certificates are unique per learner, issuer, occupation and level.
-- status_list_id is the revocation list `<pair>-revocation`; the credential uses the same
-- status_index in its twin suspension list `<pair>-suspension`.
CREATE TABLE credentials (
    id TEXT PRIMARY KEY NOT NULL,
    completion_id TEXT UNIQUE REFERENCES completions (id),
    learner_id TEXT NOT NULL REFERENCES users (id),
    issuer_org_id TEXT NOT NULL REFERENCES organizations (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    occupation_code TEXT,
    skill_level INTEGER,
    json TEXT NOT NULL,
    status_list_id TEXT NOT NULL REFERENCES status_lists (id),
    status_index BIGINT NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    suspended BOOLEAN NOT NULL DEFAULT FALSE,
    status_reason TEXT,
    status_changed_at TEXT,
    issued_at TEXT NOT NULL,
    UNIQUE (status_list_id, status_index)
);
CREATE INDEX credentials_learner ON credentials (learner_id);
CREATE INDEX credentials_issuer ON credentials (issuer_org_id);
CREATE UNIQUE INDEX credentials_skill_level ON credentials (learner_id, issuer_org_id, occupation_code, skill_level)
    WHERE occupation_code IS NOT NULL;

-- Cohort issuance run in the background; progress is polled.
CREATE TABLE issuance_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    course_id TEXT NOT NULL REFERENCES courses (id),
    requested_by TEXT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    issued INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
