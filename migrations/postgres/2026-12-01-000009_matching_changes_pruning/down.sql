ALTER TABLE data_version DROP COLUMN changes_pruned_through;
