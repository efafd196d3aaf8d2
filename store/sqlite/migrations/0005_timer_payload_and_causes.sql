-- A timer's payload, opaque to the store (conversation.Timer.Payload, at
-- most conversation.MaxTimerPayload bytes); empty for none.
ALTER TABLE cc_timers ADD COLUMN payload BLOB NOT NULL DEFAULT x'';
-- Who made an event's change and what produced it (conversation.Actor and
-- conversation.Cause): kinds by their stable names ('' for none), the
-- actor's id, the cause's name, id, the root of its chain and its depth.
ALTER TABLE cc_events ADD COLUMN actor_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN cause_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN cause_name TEXT NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN cause_id TEXT NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN cause_root TEXT NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN cause_depth INTEGER NOT NULL DEFAULT 0;
