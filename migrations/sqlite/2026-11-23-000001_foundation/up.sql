-- The foundation schema: regions, organizations, accounts, the skills catalog, courses,
-- curricula, demand lists and completion records.
-- Portable on purpose (see migrations/README.md): ids and timestamps are TEXT
-- (UUIDs; RFC 3339 UTC), JSON is TEXT, so one diesel schema serves SQLite and PostgreSQL.

CREATE TABLE regions (
    code TEXT PRIMARY KEY NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    level TEXT NOT NULL,
    parent TEXT REFERENCES regions (code)
);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT,
    region TEXT NOT NULL REFERENCES regions (code),
    uscc TEXT UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX organizations_region ON organizations (region);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id TEXT REFERENCES organizations (id),
    region TEXT REFERENCES regions (code),
    opt_in BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE frameworks (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    uri TEXT
);

CREATE TABLE skills (
    id TEXT PRIMARY KEY NOT NULL,
    uri TEXT NOT NULL UNIQUE,
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    label_zh TEXT,
    label_en TEXT,
    alt_labels TEXT NOT NULL,
    description TEXT,
    skill_type TEXT NOT NULL,
    reuse_level TEXT,
    status TEXT NOT NULL,
    search_text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX skills_framework ON skills (framework_id);
CREATE INDEX skills_label_zh ON skills (label_zh);
CREATE INDEX skills_label_en ON skills (label_en);

CREATE TABLE skill_relations (
    from_skill TEXT NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    to_skill TEXT NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    PRIMARY KEY (from_skill, kind, to_skill)
);
CREATE INDEX skill_relations_to ON skill_relations (to_skill);

CREATE TABLE occupations (
    id TEXT PRIMARY KEY NOT NULL,
    uri TEXT NOT NULL UNIQUE,
    code TEXT,
    label_zh TEXT,
    label_en TEXT,
    description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX occupations_code ON occupations (code);

CREATE TABLE occupation_skills (
    occupation_id TEXT NOT NULL REFERENCES occupations (id) ON DELETE CASCADE,
    skill_id TEXT NOT NULL REFERENCES skills (id),
    kind TEXT NOT NULL,
    min_level INTEGER NOT NULL,
    PRIMARY KEY (occupation_id, skill_id)
);
CREATE INDEX occupation_skills_skill ON occupation_skills (skill_id);

CREATE TABLE courses (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    version TEXT NOT NULL,
    provider_id TEXT NOT NULL REFERENCES organizations (id),
    title_zh TEXT NOT NULL,
    title_en TEXT,
    description_zh TEXT,
    description_en TEXT,
    hours DOUBLE PRECISION NOT NULL,
    credits DOUBLE PRECISION NOT NULL,
    delivery_mode TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (code, version)
);
CREATE INDEX courses_provider ON courses (provider_id);
CREATE INDEX courses_status ON courses (status);

CREATE TABLE course_skills (
    course_id TEXT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    skill_id TEXT NOT NULL REFERENCES skills (id),
    level INTEGER NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (course_id, skill_id)
);
CREATE INDEX course_skills_skill ON course_skills (skill_id);

CREATE TABLE course_prerequisites (
    course_id TEXT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    prerequisite_code TEXT NOT NULL,
    PRIMARY KEY (course_id, prerequisite_code)
);

CREATE TABLE course_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    course_id TEXT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    comment TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX course_reviews_course ON course_reviews (course_id);

CREATE TABLE curricula (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    provider_id TEXT NOT NULL REFERENCES organizations (id),
    title_zh TEXT NOT NULL,
    title_en TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (provider_id, code)
);

CREATE TABLE curriculum_modules (
    curriculum_id TEXT NOT NULL REFERENCES curricula (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    course_code TEXT NOT NULL,
    PRIMARY KEY (curriculum_id, position)
);

CREATE TABLE demand_lists (
    id TEXT PRIMARY KEY NOT NULL,
    enterprise_id TEXT NOT NULL REFERENCES organizations (id),
    title TEXT NOT NULL,
    region TEXT NOT NULL REFERENCES regions (code),
    industry TEXT,
    deadline TEXT,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX demand_lists_enterprise ON demand_lists (enterprise_id);
CREATE INDEX demand_lists_region ON demand_lists (region);

CREATE TABLE demand_items (
    id TEXT PRIMARY KEY NOT NULL,
    list_id TEXT NOT NULL REFERENCES demand_lists (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    position_title TEXT NOT NULL,
    occupation TEXT,
    headcount INTEGER NOT NULL,
    region TEXT REFERENCES regions (code),
    deadline TEXT
);
CREATE INDEX demand_items_list ON demand_items (list_id);

CREATE TABLE demand_item_skills (
    item_id TEXT NOT NULL REFERENCES demand_items (id) ON DELETE CASCADE,
    skill_id TEXT NOT NULL REFERENCES skills (id),
    kind TEXT NOT NULL,
    min_level INTEGER NOT NULL,
    PRIMARY KEY (item_id, skill_id)
);
CREATE INDEX demand_item_skills_skill ON demand_item_skills (skill_id);

CREATE TABLE completions (
    id TEXT PRIMARY KEY NOT NULL,
    learner_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL REFERENCES courses (id),
    result TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    assessor TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    UNIQUE (learner_id, course_id)
);
CREATE INDEX completions_course ON completions (course_id);
