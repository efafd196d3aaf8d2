package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/faq"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/template"
)

// The desk's chatbot (R2), with -bot faq.
const (
	// faqBotName is the FAQ bot's name, with the engine (Config.Bots) and
	// in the channel's settings.
	faqBotName = "faq"
	// fallbackTemplate is the template sent to a customer whose
	// conversation the engine hands to the staff because the bot failed.
	fallbackTemplate = "bot_fallback"
	// botMark starts what the staff group shows of the bot.
	botMark = "🤖 "
)

// fallbackVariants are fallbackTemplate's texts; the first is for the
// languages that have none of their own.
var fallbackVariants = []template.Variant{
	{Language: "es", Text: "Nuestro asistente no está disponible; una persona del equipo te responderá en breve."},
	{Language: "en", Text: "Our assistant is unavailable; a person from our team will answer you shortly."},
}

// readBot reads the -bot and -faq flags: the FAQ bot of file (the
// sample's for ""), or nil without a bot.
func readBot(name, file string) (*faq.Bot, error) {
	switch {
	case name == "" && file != "":
		return nil, fmt.Errorf("-faq %s needs -bot faq", file)
	case name == "":
		return nil, nil
	case name != faqBotName:
		return nil, fmt.Errorf("-bot %q: the desk's only bot is faq", name)
	case file == "":
		return faq.Sample(), nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("-faq: %w", err)
	}
	b, err := faq.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("-faq %s: %w", file, err)
	}
	return b, nil
}

// botOf returns the desk's bot, nil for none.
func (c Config) botOf() chatbot.Bot {
	switch {
	case c.bot != nil:
		return c.bot
	case c.FAQ != nil:
		return c.FAQ
	}
	return nil
}

// bots returns the engine's bots: the FAQ bot, if the desk has one.
func (c Config) bots() map[string]chatbot.Bot {
	if b := c.botOf(); b != nil {
		return map[string]chatbot.Bot{faqBotName: b}
	}
	return nil
}

// botSettings saves the bot's fallback template with eng and returns the
// channel's bot settings: the FAQ bot holds each new conversation, and if
// it fails the conversation joins the queue and the customer is told a
// person will answer. Without a bot they are the zero Bot.
func (c Config) botSettings(ctx context.Context, eng *contactcenter.Engine) (channel.Bot, error) {
	if c.botOf() == nil {
		return channel.Bot{}, nil
	}
	t, err := template.New(fallbackTemplate, fallbackVariants...)
	if err == nil {
		err = eng.PutTemplate(ctx, contactcenter.TemplateChange{Workspace: workspace, Template: t, By: conversation.Host()})
	}
	if err != nil {
		return channel.Bot{}, err
	}
	return channel.Bot{Name: faqBotName, Fallback: channel.Fallback{Template: fallbackTemplate}}, nil
}

// botEvent shows in the staff group what the bot does in a conversation
// it holds: a copy of each of its messages, and a notice when it lets go
// of the conversation or an agent takes it. The copies and the hand-off
// notices are linked to the conversation: a reply to them answers the
// customer. It reports whether e was the bot's.
func (d *Desk) botEvent(ctx context.Context, e conversation.Event) (bool, error) {
	key := fmt.Sprintf("bot-event:%d", e.Seq)
	item := func(text string, m conversation.MessageID) error {
		return d.enqueue(ctx, outItem{Key: key, Kind: outBot, Conversation: e.Conversation, Message: m, Text: text})
	}
	switch e.Type {
	case conversation.EventMessageQueued:
		if e.Actor.Kind != conversation.ActorBot {
			return false, nil
		}
		key = "bot-message:" + string(e.Message)
		if done, err := d.relayed(ctx, key, e.Message); err != nil || done {
			return true, err
		}
		var m conversation.Message
		err := d.store.View(ctx, func(tx store.Tx) (err error) {
			m, err = tx.Message(ctx, workspace, e.Message)
			return err
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
			return true, nil // erased (R21)
		case err != nil:
			return true, err
		case m.Author.Kind != conversation.AuthorBot:
			return true, nil
		}
		text := m.Text
		if text == "" {
			text = fmt.Sprintf("(%d file(s))", len(m.Attachments))
		}
		return true, item(botMark+"bot: "+text, m.ID)
	case conversation.EventBotHandedOff:
		var text string
		switch {
		case e.Reason == conversation.ReasonBotFailed:
			text = fmt.Sprintf("#%d: %sthe bot failed to answer. The conversation waits for an agent: reply to answer, or /claim.",
				e.TicketNumber, botMark)
		case e.Agent != "":
			text = fmt.Sprintf("#%d: %sthe bot handed the conversation to %s.", e.TicketNumber, botMark, d.agentName(ctx, e.Agent))
		default:
			text = fmt.Sprintf("#%d: %sthe bot handed off. The conversation waits for an agent: reply to answer, or /claim.", e.TicketNumber, botMark)
		}
		if e.Detail != "" {
			text += "\nThe bot's note: " + e.Detail
		}
		return true, item(text, "")
	case conversation.EventBotTurnedOff:
		return true, item(fmt.Sprintf("#%d: %sthe bot stepped aside. The conversation waits for an agent: reply to answer, or /claim.", e.TicketNumber, botMark), "")
	case conversation.EventBotTakenOver:
		who := "A person"
		if e.Agent != "" {
			who = d.agentName(ctx, e.Agent)
		}
		return true, d.enqueue(ctx, outItem{Key: key, Kind: outNotice, Conversation: e.Conversation,
			Text: fmt.Sprintf("#%d: %s took the conversation from the bot.", e.TicketNumber, who)})
	case conversation.EventBotResumed:
		return true, d.enqueue(ctx, outItem{Key: key, Kind: outNotice, Conversation: e.Conversation,
			Text: fmt.Sprintf("#%d: %sthe bot answers the conversation again.", e.TicketNumber, botMark)})
	}
	return false, nil
}

// agentName returns agent id's name, or the id when it cannot be read.
func (d *Desk) agentName(ctx context.Context, id conversation.AgentID) string {
	a, err := d.eng.Agent(ctx, workspace, id)
	if err != nil || a.Name == "" {
		return string(id)
	}
	return a.Name
}
