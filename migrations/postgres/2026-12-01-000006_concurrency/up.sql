-- Issue 9: job leases. The node running a cohort issuance job records itself as the job's
-- owner and holds a lease it renews while it works (a heartbeat). A queued or running job
-- whose lease has expired was cut off (its node crashed or was killed) and is marked failed
-- by whoever reads it, and by its own node when that node starts again.
-- NULL in jobs recorded before leases existed: they expire ten minutes after their last progress.
ALTER TABLE issuance_jobs ADD COLUMN owner TEXT;
ALTER TABLE issuance_jobs ADD COLUMN lease_expires_at TEXT;
