package natsjs

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// wireEvent is the JSON form of a conversation.Event; see Encode. Its field
// names are stable.
type wireEvent struct {
	Seq          uint64            `json:"seq"`
	Type         string            `json:"type"`
	Workspace    string            `json:"workspace"`
	At           time.Time         `json:"at"`
	Conversation string            `json:"conversation,omitempty"`
	Ticket       string            `json:"ticket,omitempty"`
	TicketNumber int64             `json:"ticket_number,omitempty"`
	Message      string            `json:"message,omitempty"`
	Agent        string            `json:"agent,omitempty"`
	Previous     string            `json:"previous,omitempty"`
	Team         string            `json:"team,omitempty"`
	Reason       string            `json:"reason,omitempty"`
	Presence     string            `json:"presence,omitempty"`
	Contact      string            `json:"contact,omitempty"`
	Channel      string            `json:"channel,omitempty"`
	ExternalID   string            `json:"external_id,omitempty"`
	Detail       string            `json:"detail,omitempty"`
	Actor        *wireActor        `json:"actor,omitempty"`
	Cause        *wireCause        `json:"cause,omitempty"`
	Bot          string            `json:"bot,omitempty"`
	Data         map[string]string `json:"data,omitempty"`
	Altered      []string          `json:"altered,omitempty"`
}

type wireActor struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
}

type wireCause struct {
	Kind  string `json:"kind"`
	Name  string `json:"name,omitempty"`
	ID    string `json:"id,omitempty"`
	Root  string `json:"root,omitempty"`
	Depth int    `json:"depth,omitempty"`
}

// Encode returns the JSON payload of e, as the Publisher publishes it: an
// object with these fields, named after the Event's (R17):
//
//	seq            number   Event.Seq, the store's sequence (always)
//	type           string   Event.Type, "message.received"… (always)
//	workspace      string   Event.Workspace (always)
//	at             string   Event.At, RFC 3339 in UTC with nanoseconds (always)
//	conversation   string   Event.Conversation
//	ticket         string   Event.Ticket
//	ticket_number  number   Event.TicketNumber
//	message        string   Event.Message
//	agent          string   Event.Agent
//	previous       string   Event.Previous
//	team           string   Event.Team
//	reason         string   Event.Reason
//	presence       string   Event.Presence: "offline", "online" or "away";
//	                        always on agent.presence_changed
//	contact        string   Event.Contact
//	channel        string   Event.Channel
//	external_id    string   Event.ExternalID
//	detail         string   Event.Detail
//	actor          object   Event.Actor: {"kind": "agent", "id": "ana"}
//	cause          object   Event.Cause: {"kind", "name", "id", "root", "depth"}
//	bot            string   Event.Bot
//	data           object   Event.Data, string values
//	altered        array    Event.Altered, flag names: ["text", "cut"]
//
// A field whose value is empty or zero is left out, except the first four.
// Kinds are the names their String methods give (conversation.ActorKind,
// conversation.CauseKind). Decode reads it back.
func Encode(e conversation.Event) ([]byte, error) {
	w := wireEvent{
		Seq:          e.Seq,
		Type:         string(e.Type),
		Workspace:    string(e.Workspace),
		At:           e.At.UTC(),
		Conversation: string(e.Conversation),
		Ticket:       string(e.Ticket),
		TicketNumber: int64(e.TicketNumber),
		Message:      string(e.Message),
		Agent:        string(e.Agent),
		Previous:     string(e.Previous),
		Team:         string(e.Team),
		Reason:       string(e.Reason),
		Contact:      string(e.Contact),
		Channel:      string(e.Channel),
		ExternalID:   e.ExternalID,
		Detail:       e.Detail,
		Bot:          e.Bot,
		Data:         e.Data,
	}
	if e.Type == conversation.EventPresenceChanged || e.Presence != conversation.Offline {
		w.Presence = e.Presence.String()
	}
	if e.Actor.Kind != 0 || e.Actor.ID != "" {
		w.Actor = &wireActor{Kind: kindName(e.Actor.Kind), ID: e.Actor.ID}
	}
	if e.Cause != (conversation.Cause{}) {
		w.Cause = &wireCause{Kind: causeName(e.Cause.Kind), Name: e.Cause.Name, ID: e.Cause.ID, Root: e.Cause.Root, Depth: e.Cause.Depth}
	}
	if e.Altered != 0 {
		w.Altered = strings.Split(e.Altered.String(), "|")
	}
	return json.Marshal(&w)
}

func kindName(k conversation.ActorKind) string {
	if k == 0 {
		return ""
	}
	return k.String()
}

func causeName(k conversation.CauseKind) string {
	if k == 0 {
		return ""
	}
	return k.String()
}

// Decode reads an event that Encode wrote: what a consumer calls on a
// message's data. Data that is not such an event (not JSON, a field of
// another type, an unknown kind, presence or alteration name, no seq or
// type) is an error wrapping ErrInvalidPayload.
func Decode(data []byte) (conversation.Event, error) {
	var w wireEvent
	if err := json.Unmarshal(data, &w); err != nil {
		return conversation.Event{}, fmt.Errorf("%w: %v", ErrInvalidPayload, err)
	}
	if w.Seq == 0 || w.Type == "" {
		return conversation.Event{}, fmt.Errorf("%w: no seq or type", ErrInvalidPayload)
	}
	e := conversation.Event{
		Seq:          w.Seq,
		Type:         conversation.EventType(w.Type),
		Workspace:    ticket.WorkspaceID(w.Workspace),
		At:           w.At,
		Conversation: conversation.ID(w.Conversation),
		Ticket:       ticket.ID(w.Ticket),
		TicketNumber: ticket.Number(w.TicketNumber),
		Message:      conversation.MessageID(w.Message),
		Agent:        conversation.AgentID(w.Agent),
		Previous:     conversation.AgentID(w.Previous),
		Team:         conversation.TeamID(w.Team),
		Reason:       conversation.CloseReason(w.Reason),
		Contact:      ticket.ContactID(w.Contact),
		Channel:      channel.ID(w.Channel),
		ExternalID:   w.ExternalID,
		Detail:       w.Detail,
		Bot:          w.Bot,
		Data:         w.Data,
	}
	if w.Presence != "" {
		p, ok := presences[w.Presence]
		if !ok {
			return conversation.Event{}, fmt.Errorf("%w: unknown presence %q", ErrInvalidPayload, w.Presence)
		}
		e.Presence = p
	}
	if w.Actor != nil {
		k, err := conversation.ParseActorKind(w.Actor.Kind)
		if err != nil {
			return conversation.Event{}, fmt.Errorf("%w: %v", ErrInvalidPayload, err)
		}
		e.Actor = conversation.Actor{Kind: k, ID: w.Actor.ID}
	}
	if w.Cause != nil {
		k, err := conversation.ParseCauseKind(w.Cause.Kind)
		if err != nil {
			return conversation.Event{}, fmt.Errorf("%w: %v", ErrInvalidPayload, err)
		}
		e.Cause = conversation.Cause{Kind: k, Name: w.Cause.Name, ID: w.Cause.ID, Root: w.Cause.Root, Depth: w.Cause.Depth}
	}
	for _, name := range w.Altered {
		a, ok := alterations[name]
		if !ok {
			return conversation.Event{}, fmt.Errorf("%w: unknown alteration %q", ErrInvalidPayload, name)
		}
		e.Altered |= a
	}
	return e, nil
}

// presences and alterations map the names their String methods give back
// to the values.
var presences, alterations = func() (map[string]conversation.Presence, map[string]conversation.Alteration) {
	ps := make(map[string]conversation.Presence)
	for p := range conversation.Presence(255) {
		if name := p.String(); !strings.HasPrefix(name, "Presence(") {
			ps[name] = p
		}
	}
	as := make(map[string]conversation.Alteration)
	for bit := range 8 {
		a := conversation.Alteration(1) << bit
		if name := a.String(); !strings.Contains(name, "(") {
			as[name] = a
		}
	}
	return ps, as
}()
