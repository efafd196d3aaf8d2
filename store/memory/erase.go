package memory

import (
	"context"
	"strconv"
	"strings"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// eventUndo is an unpublished event as it was before a transaction
// changed it in place, at its index in Store.events.
type eventUndo struct {
	i  int
	ev conversation.Event
}

// setEvent replaces the stored event at index i, so that a rollback
// restores it.
func (s *Store) setEvent(i int, ev conversation.Event) {
	s.evUndo = append(s.evUndo, eventUndo{i, s.events[i]})
	s.events[i] = ev
}

// EraseContact implements store.Tx. It reads the tables whole where they
// keep no index by contact (the identities, the conversations): erasure
// is rare.
func (t *tx) EraseContact(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.s
	ck := key[ticket.ContactID]{ws, id}
	c, ok := s.contacts.get(ck)
	if !ok {
		return errNotFound
	}
	c.Name, c.Fields, c.Renamed = "", nil, false
	c.Version++
	s.contacts.set(ck, c)
	s.nameKeys.del(ck)

	handles := make(map[extKey]bool)
	for k, owner := range s.contactExt.m {
		if k.ws == ws && owner == id {
			handles[k] = true
		}
	}
	t.eraseRejections(ws, handles)
	t.eraseActors(ws, handles)
	for k := range handles {
		s.contactExt.del(k)
	}

	tickets, _ := s.contactTickets.get(ck)
	for _, tid := range tickets {
		tk := key[ticket.ID]{ws, tid}
		tc, ok := s.tickets.get(tk)
		if !ok {
			continue
		}
		tc = cloneTicket(tc)
		tc.Subject = ""
		tc.Version++
		s.tickets.set(tk, tc)
	}

	wsID, ok := t.wsID(ws)
	if !ok {
		return nil
	}
	convs := make(map[conversation.ID]bool)
	for pos := int32(0); int(pos) < s.convs.n; pos++ {
		r := *s.convs.at(pos)
		if r.ws != wsID || r.contact != id {
			continue
		}
		convs[r.id] = true
		r.ext = ""
		if r.note != nil {
			note := conversation.ClosingNote{Category: r.note.Category}
			r.note = nil
			if note != (conversation.ClosingNote{}) {
				r.note = &note
			}
		}
		r.version++
		s.convs.set(pos, r)
		t.last = lastConv{}
		positions, _ := s.convMsgs.get(key[conversation.ID]{ws, r.id})
		for _, mp := range positions {
			old := *s.msgs.at(mp)
			m := store.ErasedMessage(old)
			if old.Direction == conversation.FromContact && old.ExternalID != "" {
				s.msgExt.del(extKey{ws, old.Channel, old.ExternalID})
			}
			if old.Delivery == conversation.DeliveryPending && m.Delivery != conversation.DeliveryPending {
				s.pending.del(key[conversation.MessageID]{ws, old.ID})
			}
			s.msgs.set(mp, m)
		}
	}
	t.eraseEventData(ws, convs)
	return nil
}

// eraseRejections erases the contact's id from the rejected messages of
// workspace ws it sent (their From is one of its identities, handles),
// and the channel's id of each, from the record and from the unpublished
// events that name it: each record's key becomes "erased:" and its place
// in the workspace's order, unique in the workspace.
func (t *tx) eraseRejections(ws ticket.WorkspaceID, handles map[extKey]bool) {
	s := t.s
	keys, ok := s.wsRejections.get(ws)
	if !ok {
		return
	}
	var renamed []extKey
	for i, k := range keys {
		r := s.rejections.m[k]
		if r.From == "" || !handles[extKey{ws, r.Channel, r.From}] {
			continue
		}
		if renamed == nil {
			renamed = append([]extKey(nil), keys...)
		}
		nk := extKey{ws, r.Channel, "erased:" + strconv.Itoa(i+1)}
		for j := s.evHead; j < len(s.events); j++ {
			if ev := s.events[j]; ev.Type == conversation.EventMessageRejected && ev.Workspace == ws && ev.Channel == r.Channel && ev.ExternalID == r.ExternalID {
				ev.ExternalID = ""
				s.setEvent(j, ev)
			}
		}
		r.From, r.ExternalID = "", nk.ext
		s.rejections.del(k)
		s.rejections.set(nk, r)
		renamed[i] = nk
	}
	if renamed != nil {
		s.wsRejections.set(ws, renamed)
	}
}

// eraseActors empties the actor's id of the unpublished events of
// workspace ws that a contact made under one of its identities, handles:
// a contact's message that was rejected has no contact id to name its
// author by, and its event names the contact's external id.
func (t *tx) eraseActors(ws ticket.WorkspaceID, handles map[extKey]bool) {
	s := t.s
	ids := make(map[string]bool, len(handles))
	for k := range handles {
		ids[k.ext] = true
	}
	for j := s.evHead; j < len(s.events); j++ {
		if ev := s.events[j]; ev.Workspace == ws && ev.Actor.Kind == conversation.ActorContact && ev.Actor.ID != "" && ids[ev.Actor.ID] {
			ev.Actor.ID = ""
			s.setEvent(j, ev)
		}
	}
}

// eraseEventData empties the data and the bot events' details of the
// unpublished events of workspace ws about the conversations convs: a
// bot's notification, or a hand-off's note that quotes the contact, may
// carry personal data (R2).
func (t *tx) eraseEventData(ws ticket.WorkspaceID, convs map[conversation.ID]bool) {
	s := t.s
	for j := s.evHead; j < len(s.events); j++ {
		ev := s.events[j]
		botDetail := strings.HasPrefix(string(ev.Type), "bot.") && ev.Detail != ""
		if ev.Workspace == ws && (ev.Data != nil || botDetail) && convs[ev.Conversation] {
			ev.Data = nil
			if botDetail {
				ev.Detail = ""
			}
			s.setEvent(j, ev)
		}
	}
}
