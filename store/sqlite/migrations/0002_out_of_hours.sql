-- R4: the end of the closed period for which a conversation got the
-- out-of-hours message, in microseconds since the Unix epoch; 0: never.
ALTER TABLE cc_conversations ADD COLUMN out_of_hours_until INTEGER NOT NULL DEFAULT 0;
