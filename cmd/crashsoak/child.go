package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/telegram"
	"github.com/telenet/contactcenter/ticket"
)

// childEnv is the environment variable that makes the binary an engine
// child: it holds the childSpec as JSON.
const childEnv = "CRASHSOAK_CHILD"

// The bare engine's workspace and its agent.
const (
	soakWorkspace ticket.WorkspaceID   = "soak"
	soakAgent     conversation.AgentID = "agent"
)

// childSpec configures an engine child.
type childSpec struct {
	// Store is "sqlite" or "postgres"; DB the file or the DSN.
	Store string
	DB    string
	// API is the Bot API's base URL (the child's proxy).
	API string
	// Bots are the channels the engine serves for delivery; it polls
	// Bots[Poll].
	Bots []childBot
	Poll int
	// ClaimTimeout is the engine's Config.ClaimTimeout.
	ClaimTimeout time.Duration
	// Limits are the send rates the engine keeps to.
	Limits channel.Limits
}

// childBot is one bot and the channel it is.
type childBot struct {
	Token   string
	Channel channel.ID
}

// childMain runs an engine child as configured by $CRASHSOAK_CHILD, until
// SIGTERM or SIGINT, and returns the exit code.
func childMain() int {
	var spec childSpec
	if err := json.Unmarshal([]byte(os.Getenv(childEnv)), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "crashsoak child:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := runChild(ctx, spec, log); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "crashsoak child:", err)
		return 1
	}
	return 0
}

// runChild is a host of the engine as the library documents it: a store,
// a Telegram bot per channel, Receiver and Poll for the inbound side, Run
// for delivery, and an agent that answers every customer message from
// Publish.
func runChild(ctx context.Context, spec childSpec, log *slog.Logger) error {
	var (
		st  store.Store
		err error
	)
	switch spec.Store {
	case "sqlite":
		st, err = sqlite.Open(ctx, spec.DB)
	case "postgres":
		st, err = postgres.Open(ctx, spec.DB)
	default:
		err = fmt.Errorf("unknown store %q", spec.Store)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	a := &agent{log: log}
	eng, err := contactcenter.New(contactcenter.Config{Store: st, Publish: a.publish, Logger: log, ClaimTimeout: spec.ClaimTimeout})
	if err != nil {
		return err
	}
	defer eng.Close()
	a.eng = eng
	bots := make([]*telegram.Bot, len(spec.Bots))
	for i, cb := range spec.Bots {
		b, err := telegram.New(cb.Token, telegram.WithAPIURL(spec.API), telegram.WithLimits(spec.Limits),
			telegram.WithLogger(log), telegram.WithPollTimeout(10*time.Second))
		if err != nil {
			return err
		}
		me, err := b.Me(ctx)
		if err != nil {
			return err
		}
		if err := eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: cb.Channel, Workspace: soakWorkspace, Kind: channel.KindTelegram,
			Account: me.Username}, Transport: b, By: conversation.Host()}); err != nil {
			return err
		}
		bots[i] = b
	}
	if _, err := eng.Agent(ctx, soakWorkspace, soakAgent); errors.Is(err, conversation.ErrAgentNotFound) {
		_, err = eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: soakAgent, Workspace: soakWorkspace, Name: "Agent", Presence: conversation.Online}, By: conversation.Host()})
		if err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	// Run publishes what a previous process left, in the background, and
	// delivers; Poll receives.
	log.Info("serving")
	var wg sync.WaitGroup
	wg.Go(func() { _ = eng.Run(ctx, time.Second) })
	cb := spec.Bots[spec.Poll]
	err = bots[spec.Poll].Poll(ctx, telegram.Receiver{Engine: eng, Workspace: soakWorkspace, Channel: cb.Channel, Logger: log})
	wg.Wait()
	return err
}

// agent answers each customer message once: the reply's id is derived
// from the inbound message's, so an event published again replies with
// the same message, which the engine stores and sends once (R18).
type agent struct {
	eng *contactcenter.Engine
	log *slog.Logger
}

// replyID is the id of the answer to inbound message m.
func replyID(m conversation.MessageID) conversation.MessageID { return "re-" + m }

// replyText is the answer's text: it names the message it answers.
func replyText(inbound string) string { return "re " + inbound }

func (a *agent) publish(ctx context.Context, e conversation.Event) error {
	if e.Type != conversation.EventMessageReceived || e.Workspace != soakWorkspace {
		return nil
	}
	msgs, err := a.eng.Messages(ctx, e.Workspace, e.Conversation)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.ID != e.Message || m.Direction != conversation.FromContact {
			continue
		}
		_, err := a.eng.Reply(ctx, contactcenter.Reply{Workspace: e.Workspace, Conversation: e.Conversation, Agent: soakAgent,
			ID: replyID(m.ID), Text: replyText(m.Text)})
		return err
	}
	a.log.Warn("message.received for a message the conversation does not have", "message", e.Message)
	return nil
}
