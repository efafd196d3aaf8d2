-- The queue by group (store.QueuePager, R11's automatic assignment): a
-- channel's waiting conversations of one team, abandoned or not, in the
-- queue's order, so that a page of the groups agents can take is read
-- from each group's head, or after a position, whatever waits elsewhere.
CREATE INDEX cc_conversations_queue_groups ON cc_conversations (workspace, channel, team, abandoned, priority DESC, waiting_since, id) WHERE state = 1 AND assignee = '';
