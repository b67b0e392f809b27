-- A one-row change counter for the matching snapshot (issue 3).
--
-- The registry serves matching from an immutable in-memory snapshot of the catalog, courses,
-- demand and learners' evidence. Every server node compares `data_version.version` with the
-- version its snapshot was built at and rebuilds when they differ. Triggers bump the counter
-- in the same transaction as the change, so the new version becomes visible exactly when the
-- data does, whichever node, import, CLI command or seeder wrote it. Tables that do not feed
-- the snapshot (api_tokens, regions, curricula, course_reviews) have no trigger, so routine
-- writes such as a token's last_used_at do not invalidate it.
-- SQLite has only row-level triggers (one extra row update per written row). To keep bulk
-- imports fast, the three bulk link tables have no INSERT trigger: course_skills and
-- course_prerequisites rows are only ever inserted in the same transaction as an insert or
-- update of their course row, demand_item_skills rows with their demand item, and those
-- parent rows do bump the counter (measured: 10 % off the 20k-row course import with the
-- link-table INSERT triggers). Their UPDATE and DELETE triggers stay. A new code path that
-- inserts link rows alone must touch the parent row too.
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);
CREATE TRIGGER skills_insert_data_version AFTER INSERT ON skills BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER skills_update_data_version AFTER UPDATE ON skills BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER skills_delete_data_version AFTER DELETE ON skills BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER skill_relations_insert_data_version AFTER INSERT ON skill_relations BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER skill_relations_update_data_version AFTER UPDATE ON skill_relations BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER skill_relations_delete_data_version AFTER DELETE ON skill_relations BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER occupations_insert_data_version AFTER INSERT ON occupations BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER occupations_update_data_version AFTER UPDATE ON occupations BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER occupations_delete_data_version AFTER DELETE ON occupations BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER occupation_skills_insert_data_version AFTER INSERT ON occupation_skills BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER occupation_skills_update_data_version AFTER UPDATE ON occupation_skills BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER occupation_skills_delete_data_version AFTER DELETE ON occupation_skills BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER courses_insert_data_version AFTER INSERT ON courses BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER courses_update_data_version AFTER UPDATE ON courses BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER courses_delete_data_version AFTER DELETE ON courses BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER course_skills_update_data_version AFTER UPDATE ON course_skills BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER course_skills_delete_data_version AFTER DELETE ON course_skills BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER course_prerequisites_update_data_version AFTER UPDATE ON course_prerequisites BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER course_prerequisites_delete_data_version AFTER DELETE ON course_prerequisites BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER organizations_insert_data_version AFTER INSERT ON organizations BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER organizations_update_data_version AFTER UPDATE ON organizations BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER organizations_delete_data_version AFTER DELETE ON organizations BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_insert_data_version AFTER INSERT ON users BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_update_data_version AFTER UPDATE ON users BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_delete_data_version AFTER DELETE ON users BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER demand_lists_insert_data_version AFTER INSERT ON demand_lists BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER demand_lists_update_data_version AFTER UPDATE ON demand_lists BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER demand_lists_delete_data_version AFTER DELETE ON demand_lists BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER demand_items_insert_data_version AFTER INSERT ON demand_items BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER demand_items_update_data_version AFTER UPDATE ON demand_items BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER demand_items_delete_data_version AFTER DELETE ON demand_items BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER demand_item_skills_update_data_version AFTER UPDATE ON demand_item_skills BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER demand_item_skills_delete_data_version AFTER DELETE ON demand_item_skills BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER completions_insert_data_version AFTER INSERT ON completions BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER completions_update_data_version AFTER UPDATE ON completions BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER completions_delete_data_version AFTER DELETE ON completions BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
-- Certificates are matching evidence: skill-level certificates count, and a revoked or
-- suspended certificate withdraws its completion's evidence. Training certificates are
-- issued in bulk (100k per run) and add no evidence of their own, so only skill-level
-- inserts bump the counter; every status change does.
CREATE TRIGGER credentials_insert_data_version AFTER INSERT ON credentials WHEN NEW.kind = 'skill_level' BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER credentials_update_data_version AFTER UPDATE ON credentials BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER credentials_delete_data_version AFTER DELETE ON credentials BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
