package chatbot

import "fmt"

// Reply is what a bot answers to a turn: messages for the contact, actions
// on the conversation, and its new state.
//
// The engine sends the messages first, in order, then applies the actions
// in order. An empty reply (no messages, no actions) is valid: the bot has
// nothing to say this turn and keeps the conversation.
type Reply struct {
	Messages []Message
	Actions  []Action
	// State replaces the conversation's bot state; nil clears it. A bot
	// that wants to keep its state returns Turn.State.
	State State
}

// Checked is a reply sorted by Reply.Validate: what the engine applies and
// what it refuses and records.
type Checked struct {
	// Messages and Actions are the valid ones, in the reply's order.
	Messages []Message
	Actions  []Action
	State    State
	// Refused are the refused messages and actions, in the reply's order,
	// each with its place in the reply and its reason.
	Refused []*Refusal
	// EndsHold is the first action that ends the bot's hold on the
	// conversation (ActionKind.EndsHold), or nil: the bot keeps it.
	EndsHold Action
}

// Validate sorts r into what may be applied and what is refused: an
// invalid message or action is refused, with a *Refusal that says where
// and why, and the others apply ("an invalid action is refused and
// recorded; the others apply"). Of the actions that end the bot's hold,
// only the first valid one applies; later ones are refused with
// ErrSuperseded. Messages beyond MaxReplyMessages and actions beyond
// MaxActions are refused too; a nil action is refused as invalid.
//
// The returned error is for the reply as a whole, which the engine counts
// as a failed turn (channel.Bot's failure policy): a State larger than MaxStateBytes. It
// wraps ErrInvalid.
func (r Reply) Validate() (Checked, error) {
	if len(r.State) > MaxStateBytes {
		return Checked{}, invalid("reply state of %d bytes, longer than %d", len(r.State), MaxStateBytes)
	}
	c := Checked{State: r.State}
	for i, m := range r.Messages {
		var err error
		if i >= MaxReplyMessages {
			err = invalid("more than %d messages", MaxReplyMessages)
		} else {
			err = m.Validate()
		}
		if err != nil {
			c.Refused = append(c.Refused, &Refusal{Part: PartMessage, Index: i, Err: err})
			continue
		}
		c.Messages = append(c.Messages, m)
	}
	for i, a := range r.Actions {
		if a == nil {
			c.Refused = append(c.Refused, &Refusal{Part: PartAction, Index: i, Err: invalid("nil action")})
			continue
		}
		k := a.Kind()
		var err error
		switch {
		case i >= MaxActions:
			err = invalid("more than %d actions", MaxActions)
		case k.EndsHold() && c.EndsHold != nil:
			err = fmt.Errorf("%w: %s after %s", ErrSuperseded, k, c.EndsHold.Kind())
		default:
			err = a.Validate()
		}
		if err != nil {
			c.Refused = append(c.Refused, &Refusal{Part: PartAction, Index: i, Kind: k, Err: err})
			continue
		}
		if k.EndsHold() {
			c.EndsHold = a
		}
		c.Actions = append(c.Actions, a)
	}
	return c, nil
}
