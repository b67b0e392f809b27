DROP INDEX IF EXISTS courses_review_stage;
ALTER TABLE course_reviews DROP COLUMN stage;
ALTER TABLE courses DROP COLUMN review_stage;
