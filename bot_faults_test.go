package contactcenter_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
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
	"github.com/telenet/contactcenter/store/faultstore"
)

// R2, R18: contacts write to a bot's channel while the store fails calls
// at random, before, at and after commit, in every step of a turn (making
// it, applying the reply, finishing the job); the channel redelivers what
// failed. Once the faults stop and the jobs left fall due, every contact
// message has reached the bot in exactly one applied turn, each reply is
// stored once, and no conversation is left with a turn pending.
func TestBotTurnsUnderStoreFaults(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		const contacts, perContact = 4, 5
		fs := faultstore.New(s, 11)
		clk := &clock{now: t0}
		log := &eventLog{}
		bot := &scriptBot{reply: func(_ context.Context, tn chatbot.Turn) (chatbot.Reply, error) {
			var texts []string
			for _, m := range tn.Messages {
				texts = append(texts, m.Text)
			}
			return chatbot.Reply{Messages: []chatbot.Message{{Text: "re " + string(tn.ID) + ": " + strings.Join(texts, "|")}}}, nil
		}}
		eng, err := contactcenter.New(contactcenter.Config{
			Store: fs, Now: clk.Now, NewID: contactcenter.SequentialIDs("id"), Publish: log.publish,
			RetryBackoff: func(int) time.Duration { return time.Millisecond }, ClaimTimeout: 24 * time.Hour,
			Bots: map[string]chatbot.Bot{"helper": bot},
		})
		require.NoError(t, err)
		t.Cleanup(func() { _ = eng.Close() })
		require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
			Settings: channel.Settings{Bot: channel.Bot{Name: "helper", MaxFailures: channel.MaxMaxFailures}}}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
		randomFaults(t, fs)

		var codes errorCodes
		for i := range perContact {
			for c := range contacts {
				in := contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprintf("u-%d-%d", c, i),
					From: contactcenter.Sender{ExternalID: fmt.Sprintf("chat-%d", c)}, Text: fmt.Sprintf("c%d-m%d", c, i)}
				clk.Advance(time.Millisecond) // messages are ordered by time
				untilStored(t, &codes, func() error { _, err := eng.Receive(bg, in); return err })
			}
		}
		time.Sleep(50 * time.Millisecond) // the turns under way meet the faults too
		fs.Clear()
		codes.check(t)
		t.Logf("%d faults injected", fs.Injected())
		require.NotZero(t, fs.Injected())

		// answered returns, per conversation, the contact texts its bot
		// replies carry, in the order of their turns, and fails on a reply
		// stored twice.
		answered := func() map[conversation.ID][]string {
			cs, _, err := eng.Conversations(bg, ws, store.ConversationFilter{})
			require.NoError(t, err)
			out := map[conversation.ID][]string{}
			for _, c := range cs {
				ms, err := eng.Messages(bg, ws, c.ID)
				require.NoError(t, err)
				byTurn := map[int][]string{}
				for _, m := range ms {
					if m.Author.Kind != conversation.AuthorBot {
						continue
					}
					turn, texts, _ := strings.Cut(strings.TrimPrefix(m.Text, "re "), ": ")
					_, seq, _ := strings.Cut(turn, ":")
					n, err := strconv.Atoi(seq)
					require.NoError(t, err)
					require.NotContains(t, byTurn, n, "turn %s applied twice", turn)
					byTurn[n] = strings.Split(texts, "|")
				}
				for _, n := range slices.Sorted(maps.Keys(byTurn)) {
					out[c.ID] = append(out[c.ID], byTurn[n]...)
				}
			}
			return out
		}
		done := func(a map[conversation.ID][]string) bool {
			n := 0
			for _, texts := range a {
				n += len(texts)
			}
			return len(a) == contacts && n >= contacts*perContact
		}
		for round := 0; round < 40 && !done(answered()); round++ {
			clk.Advance(2 * time.Minute) // past the leases of the jobs whose run failed
			_, err := eng.FireTimers(bg)
			require.NoError(t, err)
			time.Sleep(20 * time.Millisecond)
		}
		got := answered()
		require.Len(t, got, contacts)
		for id, texts := range got {
			c, err := eng.Conversation(bg, ws, id)
			require.NoError(t, err)
			var want []string
			for i := range perContact {
				want = append(want, fmt.Sprintf("%s-m%d", strings.SplitN(texts[0], "-", 2)[0], i))
			}
			assert.Equal(t, want, texts, "conversation %s: every message in one applied turn, in order", id)
			assert.True(t, c.Held(), "the bot keeps it: no failure was a bot's")
		}
	})
}
