package contactcenter_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/sqlite"
)

// botCrashEnv makes the test binary the child of TestBotTurnSurvivesKill:
// "mode:path of the database".
const botCrashEnv = "CONTACTCENTER_BOT_CRASH_CHILD"

// botEngine returns an engine on st whose channel "tg" is held by bot
// "helper".
func botEngine(st store.Store, cfg contactcenter.Config, bot chatbot.Bot) (*contactcenter.Engine, error) {
	cfg.Store = st
	cfg.Bots = map[string]chatbot.Bot{"helper": bot}
	eng, err := contactcenter.New(cfg)
	if err != nil {
		return nil, err
	}
	err = eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Bot: channel.Bot{Name: "helper", TurnTimeout: time.Minute}}}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()})
	return eng, err
}

// botCrashChild is the process TestBotTurnSurvivesKill kills: an engine on
// the SQLite file at path, to which a contact writes. In mode in-turn its
// bot stops inside the turn; in mode after-apply the reply is applied and
// the process stops as the turn's bot.turn_finished is published, before
// the job is done. It says so on stdout and waits to be killed.
func botCrashChild(mode, path string) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	bot := chatbot.Func(func(_ context.Context, t chatbot.Turn) (chatbot.Reply, error) {
		fmt.Println("turn", t.ID)
		if mode == "in-turn" {
			select {}
		}
		return chatbot.Reply{Messages: []chatbot.Message{{Text: "answer to " + string(t.ID)}}, Actions: []chatbot.Action{chatbot.Tag{Tag: "bot"}}}, nil
	})
	publish := func(_ context.Context, e conversation.Event) error {
		if e.Type == conversation.EventBotTurnFinished {
			fmt.Println("applied")
			select {}
		}
		return nil
	}
	eng, err := botEngine(st, contactcenter.Config{ReactionGrace: time.Hour, Publish: publish}, bot)
	if err != nil {
		fmt.Println("engine:", err)
		os.Exit(2)
	}
	if _, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1",
		From: contactcenter.Sender{ExternalID: "c1"}, Text: "hello"}); err != nil {
		fmt.Println("receive:", err)
		os.Exit(2)
	}
	select {}
}

// R2, R18: a bot's turn is exactly once in effect through kill -9. A
// process killed while the bot is asked leaves the turn pending: an engine
// started afterwards asks again with the same turn id, and applies the
// reply once. A process killed after the reply was applied, before its job
// was done, leaves nothing to do: the bot is not asked again and nothing
// is doubled.
func TestBotTurnSurvivesKill(t *testing.T) {
	if v := os.Getenv(botCrashEnv); v != "" {
		mode, path, _ := strings.Cut(v, ":")
		botCrashChild(mode, path)
		return
	}
	for _, mode := range []string{"in-turn", "after-apply"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cc.db")
			want := map[string]string{"in-turn": "turn ", "after-apply": "applied"}[mode]
			lines := killChild(t, "TestBotTurnSurvivesKill", botCrashEnv, mode+":"+path, func(lines []string) bool {
				return strings.HasPrefix(lines[len(lines)-1], want)
			})
			var childTurn string
			for _, l := range lines {
				if id, ok := strings.CutPrefix(l, "turn "); ok {
					childTurn = id
				}
			}
			require.NotEmpty(t, childTurn)

			st, err := sqlite.Open(bg, path)
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			bot := &scriptBot{reply: func(_ context.Context, t chatbot.Turn) (chatbot.Reply, error) {
				return chatbot.Reply{Messages: []chatbot.Message{{Text: "answer to " + string(t.ID)}}, Actions: []chatbot.Action{chatbot.Tag{Tag: "bot"}}}, nil
			}}
			later := func() time.Time { return time.Now().Add(2 * time.Hour) } // past the child's leases
			book := &eventLog{}
			eng, err := botEngine(st, contactcenter.Config{Now: later, Publish: book.publish}, bot)
			require.NoError(t, err)
			t.Cleanup(func() { _ = eng.Close() })
			_, err = eng.FireTimers(bg)
			require.NoError(t, err)

			cs, _, err := eng.Conversations(bg, ws, store.ConversationFilter{})
			require.NoError(t, err)
			require.Len(t, cs, 1)
			id := cs[0].ID
			turns := bot.seen()
			if mode == "in-turn" {
				require.Len(t, turns, 1, "the pending turn is asked again")
				assert.Equal(t, childTurn, string(turns[0].ID), "with the id it was made with")
			} else {
				assert.Empty(t, turns, "an applied turn is not asked again")
			}
			ms, err := eng.Messages(bg, ws, id)
			require.NoError(t, err)
			var answers []string
			for _, m := range ms {
				if m.Author.Kind == conversation.AuthorBot {
					answers = append(answers, m.Text)
				}
			}
			assert.Equal(t, []string{"answer to " + childTurn}, answers, "the reply is applied once")
			tk, err := eng.Ticket(bg, ws, cs[0].Ticket)
			require.NoError(t, err)
			assert.Equal(t, []string{"bot"}, tk.Tags)
			require.NoError(t, eng.PublishPending(bg))
			assert.Len(t, book.of(conversation.EventBotTurnFinished, id), 1, "one finished turn")
			n, err := eng.FireTimers(bg)
			require.NoError(t, err)
			assert.Zero(t, n, "nothing is left to do")
			assert.Len(t, bot.seen(), len(turns))
		})
	}
}
