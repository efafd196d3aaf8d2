-- A timer's payload, opaque to the store (conversation.Timer.Payload, at
-- most conversation.MaxTimerPayload bytes); empty for none.
ALTER TABLE cc_timers ADD COLUMN payload bytea NOT NULL DEFAULT '';
-- Who made an event's change and what produced it (conversation.Actor and
-- conversation.Cause): kinds by their stable names ('' for none), the
-- actor's id, the cause's name, id, the root of its chain and its depth.
ALTER TABLE cc_events ADD COLUMN actor_kind text NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN actor_id text NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN cause_kind text NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN cause_name text NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN cause_id text NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN cause_root text NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN cause_depth integer NOT NULL DEFAULT 0;
