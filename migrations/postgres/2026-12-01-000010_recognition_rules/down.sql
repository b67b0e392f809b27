DROP TABLE recognition_rule_reviews;
DROP TABLE recognition_rule_sources;
DROP TABLE recognition_rules;
