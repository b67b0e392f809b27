-- Three-level review before a course goes public (city → province → platform; the city
-- level only for providers inside a city). While a course is in_review, review_stage says
-- which level must act next (NULL there means the first level of its chain: rows submitted
-- before this migration). course_reviews.stage records at which level a reviewer acted.
ALTER TABLE courses ADD COLUMN review_stage TEXT;
ALTER TABLE course_reviews ADD COLUMN stage TEXT;
CREATE INDEX courses_review_stage ON courses (review_stage) WHERE review_stage IS NOT NULL;
