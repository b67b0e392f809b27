-- The matching snapshot's change log (issue 9); see the SQLite twin for the design.
--
-- PostgreSQL: catalog tables keep one statement-level trigger, now also setting
-- `catalog_version`. Learner-scoped tables log through statement-level triggers with
-- transition tables (one set-based insert per statement). Each such trigger bumps
-- `data_version` *first* and logs the version it bumped to: the bump takes the row lock that
-- every feeding write queues on until commit, so change versions are committed in version
-- order, and a node that read version V has seen every change tagged ≤ V.
ALTER TABLE data_version ADD COLUMN catalog_version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE matching_changes (
    version BIGINT NOT NULL,
    learner_id TEXT NOT NULL
);
CREATE INDEX matching_changes_version ON matching_changes (version);

CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, catalog_version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE FUNCTION log_learner_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v BIGINT;
BEGIN
    UPDATE data_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO matching_changes (version, learner_id) SELECT DISTINCT v, learner_id FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO matching_changes (version, learner_id)
            SELECT v, learner_id FROM new_rows UNION SELECT v, learner_id FROM old_rows;
    ELSE
        INSERT INTO matching_changes (version, learner_id) SELECT DISTINCT v, learner_id FROM old_rows;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION log_learner_user_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v BIGINT;
BEGIN
    UPDATE data_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO matching_changes (version, learner_id) SELECT v, id FROM new_rows WHERE role = 'learner';
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO matching_changes (version, learner_id)
            SELECT v, id FROM new_rows WHERE role = 'learner' UNION SELECT v, id FROM old_rows WHERE role = 'learner';
    ELSE
        INSERT INTO matching_changes (version, learner_id) SELECT v, id FROM old_rows WHERE role = 'learner';
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER skills_data_version ON skills;
CREATE TRIGGER skills_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON skills FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER skill_relations_data_version ON skill_relations;
CREATE TRIGGER skill_relations_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON skill_relations FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER occupations_data_version ON occupations;
CREATE TRIGGER occupations_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON occupations FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER occupation_skills_data_version ON occupation_skills;
CREATE TRIGGER occupation_skills_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON occupation_skills FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER courses_data_version ON courses;
CREATE TRIGGER courses_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON courses FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER course_skills_data_version ON course_skills;
CREATE TRIGGER course_skills_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON course_skills FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER course_prerequisites_data_version ON course_prerequisites;
CREATE TRIGGER course_prerequisites_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON course_prerequisites FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER organizations_data_version ON organizations;
CREATE TRIGGER organizations_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organizations FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER demand_lists_data_version ON demand_lists;
CREATE TRIGGER demand_lists_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON demand_lists FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER demand_items_data_version ON demand_items;
CREATE TRIGGER demand_items_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON demand_items FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER demand_item_skills_data_version ON demand_item_skills;
CREATE TRIGGER demand_item_skills_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON demand_item_skills FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
DROP TRIGGER completions_data_version ON completions;
DROP TRIGGER credentials_insert_data_version ON credentials;
DROP TRIGGER credentials_change_data_version ON credentials;
DROP TRIGGER users_data_version ON users;
CREATE TRIGGER completions_insert_matching_changes AFTER INSERT ON completions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_learner_changes();
CREATE TRIGGER completions_update_matching_changes AFTER UPDATE ON completions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_learner_changes();
CREATE TRIGGER completions_delete_matching_changes AFTER DELETE ON completions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION log_learner_changes();
-- Emptying a learner table is a change to everyone: rebuild whole.
CREATE TRIGGER completions_truncate_matching_changes AFTER TRUNCATE ON completions FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER credentials_insert_matching_changes AFTER INSERT ON credentials REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_learner_changes();
CREATE TRIGGER credentials_update_matching_changes AFTER UPDATE ON credentials REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_learner_changes();
CREATE TRIGGER credentials_delete_matching_changes AFTER DELETE ON credentials REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION log_learner_changes();
-- Emptying a learner table is a change to everyone: rebuild whole.
CREATE TRIGGER credentials_truncate_matching_changes AFTER TRUNCATE ON credentials FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER users_insert_matching_changes AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_learner_user_changes();
CREATE TRIGGER users_update_matching_changes AFTER UPDATE ON users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_learner_user_changes();
CREATE TRIGGER users_delete_matching_changes AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION log_learner_user_changes();
-- Emptying a learner table is a change to everyone: rebuild whole.
CREATE TRIGGER users_truncate_matching_changes AFTER TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
