-- The contact an event is about (conversation.Event.Contact), on contact.*
-- events and on ticket.tagged and ticket.untagged; '' for none.
ALTER TABLE cc_events ADD COLUMN contact_id TEXT NOT NULL DEFAULT '';
