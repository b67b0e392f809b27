-- Conversion rules (转换规则, issue 10 part 1): owned by an organisation, versioned
-- (UNIQUE code + version), reviewed like courses. Outcomes are not stored: they are derived
-- from published courses and occupations (see docs/RECOGNITION.md), so the sources keep the
-- outcome key as text, and `family` (the key without a standard's level) indexes "which
-- rules cite what this learner holds".
CREATE TABLE recognition_rules (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    version TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES organizations (id),
    title TEXT NOT NULL,
    description TEXT,
    target TEXT NOT NULL,
    effect TEXT NOT NULL,
    credits DOUBLE PRECISION NOT NULL,
    automatic BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    review_stage TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (code, version)
);
CREATE INDEX recognition_rules_owner ON recognition_rules (owner_id);
CREATE INDEX recognition_rules_status ON recognition_rules (status);
CREATE INDEX recognition_rules_target ON recognition_rules (target);

CREATE TABLE recognition_rule_sources (
    rule_id TEXT NOT NULL REFERENCES recognition_rules (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    family TEXT NOT NULL,
    min_level INTEGER,
    within_years INTEGER,
    PRIMARY KEY (rule_id, position)
);
CREATE INDEX recognition_rule_sources_family ON recognition_rule_sources (family);

CREATE TABLE recognition_rule_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    rule_id TEXT NOT NULL REFERENCES recognition_rules (id) ON DELETE CASCADE,
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    comment TEXT,
    stage TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX recognition_rule_reviews_rule ON recognition_rule_reviews (rule_id);
