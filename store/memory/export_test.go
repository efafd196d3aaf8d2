package memory

import (
	"fmt"
	"strings"
)

// Dump returns every row s holds, in every table, index key, interned
// name, undo log and the unused space of its arenas and event buffer,
// as text: what an erasure must leave none of a contact's data in.
func Dump(s *Store) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var b strings.Builder
	p := func(name string, v any) { fmt.Fprintf(&b, "%s: %+v\n", name, v) }
	p("contacts", s.contacts.m)
	p("contacts.undo", s.contacts.undo)
	p("contactExt", s.contactExt.m)
	p("contactExt.undo", s.contactExt.undo)
	p("nameKeys", s.nameKeys.m)
	p("nameKeys.undo", s.nameKeys.undo)
	p("counters", s.counters.m)
	p("tickets", s.tickets.m)
	p("tickets.undo", s.tickets.undo)
	p("ticketNum", s.ticketNum.m)
	p("contactTickets", s.contactTickets.m)
	p("names", s.names.strs)
	for _, chunk := range s.convs.chunks {
		for _, r := range chunk {
			p("conversation", r)
			if r.note != nil {
				p("note", *r.note)
			}
		}
	}
	for _, u := range s.convs.undo {
		p("conversations.undo", u.old)
	}
	for _, chunk := range s.msgs.chunks {
		for _, m := range chunk {
			p("message", m)
		}
	}
	for _, u := range s.msgs.undo {
		p("messages.undo", u.old)
	}
	p("msgIdx", s.msgIdx.m)
	p("convMsgs", s.convMsgs.m)
	p("msgExt", s.msgExt.m)
	p("msgExt.undo", s.msgExt.undo)
	p("pending", s.pending.m)
	p("agents", s.agents.m)
	p("teams", s.teams.m)
	p("rejections", s.rejections.m)
	p("rejections.undo", s.rejections.undo)
	p("wsRejections", s.wsRejections.m)
	p("timerPayloads", s.timers.payloads.m)
	p("events", s.events[:cap(s.events)])
	p("events.undo", s.evUndo[:cap(s.evUndo)])
	p("drained", s.drained[:cap(s.drained)])
	return b.String()
}
