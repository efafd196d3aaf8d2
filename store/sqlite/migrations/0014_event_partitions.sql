-- The partition of each event (store.EventPartition), kept as the other
-- stores keep it; this store publishes its one stream under one lease.
-- The events stored before this migration get theirs after this script.
ALTER TABLE cc_events ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
