-- The web application (issue 11; docs/WEB.md): passwords, browser sessions, one-time
-- invitation links, failed-login throttling and the learner's share links. Same layout on
-- both backends. Only adds: nullable columns and new tables.

-- argon2id PHC string (`$argon2id$v=19$m=…`); NULL: the account cannot sign in with a
-- password (API tokens still work). password_changed_at: when it was last set.
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN password_changed_at TEXT;

-- A signed-in browser. id: SHA-256 hex of the cookie's random value (a leaked table gives
-- no usable cookie). csrf: the token every form of this session carries.
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- One-time links that let a person set their own password. id: SHA-256 hex of the link's
-- random token.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX invitations_user ON invitations (user_id);

-- Failed sign-ins per key (`user:<name>` and `ip:<address>`), within a window; shared by
-- every node, so throttling holds behind a load balancer.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_start TEXT NOT NULL,
    locked_until TEXT
);

-- A learner's share link for one credential: anyone holding the link sees the certificate
-- page until it expires or the learner withdraws it. token: the random link segment (it is
-- shown again in the wallet, so it is stored as is; it grants only what the public page
-- shows anyway, to someone who does not know the credential's id).
CREATE TABLE share_links (
    id TEXT PRIMARY KEY NOT NULL,
    token TEXT NOT NULL UNIQUE,
    credential_id TEXT NOT NULL REFERENCES credentials (id),
    learner_id TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    withdrawn_at TEXT
);
CREATE INDEX share_links_learner ON share_links (learner_id);
