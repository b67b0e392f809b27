-- The matching snapshot's change log (issue 9: provincial scale).
--
-- Until now every change to a table feeding the snapshot bumped `data_version` and every node
-- rebuilt its whole snapshot (≈ 50 s for a million learners). Now the bump also says *what*
-- changed, in the same transaction, so a node can bring its snapshot up to date instead:
--
-- * learner-scoped tables (completions, credentials, learner users) append one row per
--   changed learner to `matching_changes`, tagged with the `data_version` of the change; a
--   node reloads just those learners (`services::matching::snapshot`);
-- * every other feeding table (skills, relations, occupations, courses, organizations, demand)
--   also sets `data_version.catalog_version` to that version; a node whose snapshot is older
--   rebuilds it whole.
--
-- SQLite runs one writer at a time, so a row trigger's version is exact. Training-certificate
-- inserts are now logged too: a certificate in force turns a completion into ranked evidence,
-- which the old trigger (skill-level inserts only) missed. User changes are logged only for
-- learners: no other user feeds the snapshot.
ALTER TABLE data_version ADD COLUMN catalog_version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE matching_changes (
    version BIGINT NOT NULL,
    learner_id TEXT NOT NULL
);
CREATE INDEX matching_changes_version ON matching_changes (version);
DROP TRIGGER skills_insert_data_version;
CREATE TRIGGER skills_insert_data_version AFTER INSERT ON skills BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER skills_update_data_version;
CREATE TRIGGER skills_update_data_version AFTER UPDATE ON skills BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER skills_delete_data_version;
CREATE TRIGGER skills_delete_data_version AFTER DELETE ON skills BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER skill_relations_insert_data_version;
CREATE TRIGGER skill_relations_insert_data_version AFTER INSERT ON skill_relations BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER skill_relations_update_data_version;
CREATE TRIGGER skill_relations_update_data_version AFTER UPDATE ON skill_relations BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER skill_relations_delete_data_version;
CREATE TRIGGER skill_relations_delete_data_version AFTER DELETE ON skill_relations BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER occupations_insert_data_version;
CREATE TRIGGER occupations_insert_data_version AFTER INSERT ON occupations BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER occupations_update_data_version;
CREATE TRIGGER occupations_update_data_version AFTER UPDATE ON occupations BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER occupations_delete_data_version;
CREATE TRIGGER occupations_delete_data_version AFTER DELETE ON occupations BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER occupation_skills_insert_data_version;
CREATE TRIGGER occupation_skills_insert_data_version AFTER INSERT ON occupation_skills BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER occupation_skills_update_data_version;
CREATE TRIGGER occupation_skills_update_data_version AFTER UPDATE ON occupation_skills BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER occupation_skills_delete_data_version;
CREATE TRIGGER occupation_skills_delete_data_version AFTER DELETE ON occupation_skills BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER courses_insert_data_version;
CREATE TRIGGER courses_insert_data_version AFTER INSERT ON courses BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER courses_update_data_version;
CREATE TRIGGER courses_update_data_version AFTER UPDATE ON courses BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER courses_delete_data_version;
CREATE TRIGGER courses_delete_data_version AFTER DELETE ON courses BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER course_skills_update_data_version;
CREATE TRIGGER course_skills_update_data_version AFTER UPDATE ON course_skills BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER course_skills_delete_data_version;
CREATE TRIGGER course_skills_delete_data_version AFTER DELETE ON course_skills BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER course_prerequisites_update_data_version;
CREATE TRIGGER course_prerequisites_update_data_version AFTER UPDATE ON course_prerequisites BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER course_prerequisites_delete_data_version;
CREATE TRIGGER course_prerequisites_delete_data_version AFTER DELETE ON course_prerequisites BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER organizations_insert_data_version;
CREATE TRIGGER organizations_insert_data_version AFTER INSERT ON organizations BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER organizations_update_data_version;
CREATE TRIGGER organizations_update_data_version AFTER UPDATE ON organizations BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER organizations_delete_data_version;
CREATE TRIGGER organizations_delete_data_version AFTER DELETE ON organizations BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER users_insert_data_version;
CREATE TRIGGER users_insert_data_version AFTER INSERT ON users WHEN NEW.role = 'learner' BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, NEW.id FROM data_version WHERE id = 1; END;
DROP TRIGGER users_update_data_version;
CREATE TRIGGER users_update_data_version AFTER UPDATE ON users WHEN NEW.role = 'learner' OR OLD.role = 'learner' BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, NEW.id FROM data_version WHERE id = 1; END;
DROP TRIGGER users_delete_data_version;
CREATE TRIGGER users_delete_data_version AFTER DELETE ON users WHEN OLD.role = 'learner' BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, OLD.id FROM data_version WHERE id = 1; END;
DROP TRIGGER demand_lists_insert_data_version;
CREATE TRIGGER demand_lists_insert_data_version AFTER INSERT ON demand_lists BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER demand_lists_update_data_version;
CREATE TRIGGER demand_lists_update_data_version AFTER UPDATE ON demand_lists BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER demand_lists_delete_data_version;
CREATE TRIGGER demand_lists_delete_data_version AFTER DELETE ON demand_lists BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER demand_items_insert_data_version;
CREATE TRIGGER demand_items_insert_data_version AFTER INSERT ON demand_items BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER demand_items_update_data_version;
CREATE TRIGGER demand_items_update_data_version AFTER UPDATE ON demand_items BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER demand_items_delete_data_version;
CREATE TRIGGER demand_items_delete_data_version AFTER DELETE ON demand_items BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER demand_item_skills_update_data_version;
CREATE TRIGGER demand_item_skills_update_data_version AFTER UPDATE ON demand_item_skills BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER demand_item_skills_delete_data_version;
CREATE TRIGGER demand_item_skills_delete_data_version AFTER DELETE ON demand_item_skills BEGIN UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1; END;
DROP TRIGGER completions_insert_data_version;
CREATE TRIGGER completions_insert_data_version AFTER INSERT ON completions BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, NEW.learner_id FROM data_version WHERE id = 1; END;
DROP TRIGGER completions_update_data_version;
CREATE TRIGGER completions_update_data_version AFTER UPDATE ON completions BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, NEW.learner_id FROM data_version WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, OLD.learner_id FROM data_version WHERE id = 1 AND OLD.learner_id <> NEW.learner_id; END;
DROP TRIGGER completions_delete_data_version;
CREATE TRIGGER completions_delete_data_version AFTER DELETE ON completions BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, OLD.learner_id FROM data_version WHERE id = 1; END;
DROP TRIGGER credentials_insert_data_version;
CREATE TRIGGER credentials_insert_data_version AFTER INSERT ON credentials BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, NEW.learner_id FROM data_version WHERE id = 1; END;
DROP TRIGGER credentials_update_data_version;
CREATE TRIGGER credentials_update_data_version AFTER UPDATE ON credentials BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, NEW.learner_id FROM data_version WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, OLD.learner_id FROM data_version WHERE id = 1 AND OLD.learner_id <> NEW.learner_id; END;
DROP TRIGGER credentials_delete_data_version;
CREATE TRIGGER credentials_delete_data_version AFTER DELETE ON credentials BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; INSERT INTO matching_changes (version, learner_id) SELECT version, OLD.learner_id FROM data_version WHERE id = 1; END;
