package store

import "github.com/telenet/contactcenter/conversation"

// EventPartitions is the number of partitions a store's event stream is
// split into, so that several publishers can publish at once while the
// events of one conversation keep their order (R17): every event of a
// conversation falls in the same partition (EventPartition), and one
// publisher at a time publishes a partition. The number is part of the
// stored data's meaning (it is kept with each stored event) and does not
// change.
const EventPartitions = 32

// EventPartition returns the partition of e in [0, EventPartitions): a
// hash of its workspace and conversation, so that the events of one
// conversation share one partition and keep their order (R17). An event
// about no conversation is placed by the agent it is about (presence
// changes keep their order per agent), else by its contact, else by its
// workspace alone.
func EventPartition(e conversation.Event) int {
	var kind byte
	var key string
	switch {
	case e.Conversation != "":
		kind, key = 'v', string(e.Conversation)
	case e.Agent != "":
		kind, key = 'a', string(e.Agent)
	case e.Contact != "":
		kind, key = 'c', string(e.Contact)
	}
	// FNV-1a, 32 bits, over the workspace, a separator, the key's kind
	// and the key.
	h := uint32(2166136261)
	for i := 0; i < len(e.Workspace); i++ {
		h = (h ^ uint32(e.Workspace[i])) * 16777619
	}
	h *= 16777619 // the separator, a zero byte
	h = (h ^ uint32(kind)) * 16777619
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return int(h % EventPartitions)
}

// SharedEvents is an optional capability of a Store whose event stream
// several handles, in one process or several, publish at once: each
// DrainEvents passes the events of the partitions the handle holds a
// lease on, and the handles that drain share the partitions among them,
// the leases of a handle that stops draining (a process killed) passing to
// the others when they end. A handle that publishes among others must
// therefore drain now and then even when it stored nothing, since others
// store events in the partitions it holds; the engine does so while
// EventShare says that it shares the stream.
type SharedEvents interface {
	// EventShare reports this handle's share of the event stream as of its
	// last drain. ok is false when the store cannot know (a wrapper over a
	// store without the capability): its drains then pass every event.
	EventShare() (share EventShare, ok bool)
}

// EventShare is a handle's share of a store's event stream.
type EventShare struct {
	// Held is how many of the EventPartitions partitions the handle holds.
	Held int
	// Publishers is how many handles, this one included, drain the
	// stream; zero when this one does not (it released its share when it
	// had nothing left to publish).
	Publishers int
}

// Shared reports whether a handle with this share must drain now and then
// to publish what others store: it is one of several publishers, or it
// publishes without holding every partition.
func (s EventShare) Shared() bool {
	return s.Publishers > 1 || (s.Publishers > 0 && s.Held < EventPartitions)
}
