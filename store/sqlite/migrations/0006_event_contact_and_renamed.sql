-- The contact an event is about (conversation.Event.Contact), on contact.*
-- events and on ticket.tagged and ticket.untagged; '' for none.
ALTER TABLE cc_events ADD COLUMN contact_id TEXT NOT NULL DEFAULT '';
-- Whether a contact's name was given through the engine
-- (ticket.Contact.Renamed), so that the channel's name no longer replaces
-- it.
ALTER TABLE cc_contacts ADD COLUMN renamed INTEGER NOT NULL DEFAULT 0;
