-- A one-row change counter for the matching snapshot (issue 3); see the SQLite twin of this
-- migration for the reasoning. PostgreSQL bumps it once per statement (not per row), so a
-- bulk import costs one extra row update; concurrent writers queue on that row only until
-- their transaction commits.
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);

CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER skills_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON skills FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER skill_relations_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON skill_relations FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER occupations_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON occupations FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER occupation_skills_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON occupation_skills FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER courses_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON courses FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER course_skills_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON course_skills FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER course_prerequisites_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON course_prerequisites FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER organizations_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organizations FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER users_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER demand_lists_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON demand_lists FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER demand_items_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON demand_items FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER demand_item_skills_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON demand_item_skills FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER completions_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON completions FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
-- Certificates are matching evidence: skill-level certificates count, and a revoked or
-- suspended certificate withdraws its completion's evidence. Training certificates are
-- issued in bulk and add no evidence of their own, so only skill-level inserts bump the
-- counter (a row trigger with a condition); every status change does.
CREATE TRIGGER credentials_insert_data_version AFTER INSERT ON credentials FOR EACH ROW WHEN (NEW.kind = 'skill_level') EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER credentials_change_data_version AFTER UPDATE OR DELETE OR TRUNCATE ON credentials FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
