-- Pruning the matching change log (issue 9).
--
-- `matching_changes` gains one row per changed learner per write and was never emptied. Nodes
-- do not register, so nobody knows which entries every node has applied; instead a node that
-- refreshed its snapshot deletes the entries older than a retention window (a number of
-- versions, `services::matching::snapshot::CHANGE_LOG_RETAIN_VERSIONS`) and records here how
-- far the log was pruned, in the same transaction. A node whose snapshot is older than that
-- mark cannot tell what it missed, so it loads its snapshot whole instead of updating it.
ALTER TABLE data_version ADD COLUMN changes_pruned_through BIGINT NOT NULL DEFAULT 0;
