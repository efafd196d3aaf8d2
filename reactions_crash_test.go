package contactcenter_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/sqlite"
)

// crashChildEnv makes the test binary the child of
// TestReactionSurvivesKill: "mode:path of the database".
const crashChildEnv = "CONTACTCENTER_REACTION_CRASH_CHILD"

// crashContacts is how many contacts write to the child in mode in-react.
const crashContacts = 3

// hookedStore calls after once a write transaction has committed.
type hookedStore struct {
	store.Store
	after func()
}

func (s *hookedStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := s.Store.Update(ctx, fn); err != nil {
		return err
	}
	s.after()
	return nil
}

// crashChild is the process TestReactionSurvivesKill kills: an engine on
// the SQLite file at path whose reaction is kept from finishing. In mode
// after-commit it stops right after the commit of a message's event, before
// the reaction starts; in mode in-react, contacts write at once and each
// reaction stops inside React. It says so on stdout and waits to be
// killed.
func crashChild(mode, path string) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	var armed atomic.Bool
	hooked := &hookedStore{Store: st, after: func() {
		if armed.Load() {
			fmt.Println("committed")
			select {}
		}
	}}
	eng, err := contactcenter.New(contactcenter.Config{Store: hooked, ReactionGrace: time.Hour,
		Reactions: []contactcenter.Reaction{{
			Name: "greet",
			Key: func(e conversation.Event) (string, bool) {
				return string(e.Conversation), e.Type == conversation.EventMessageReceived
			},
			React: func(_ context.Context, j contactcenter.Job) error {
				fmt.Println("reacting", j.Key)
				select {}
			},
		}}})
	if err == nil {
		err = eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()})
	}
	if err != nil {
		fmt.Println("engine:", err)
		os.Exit(2)
	}
	receive := func(c int) {
		_, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprint("u", c),
			From: contactcenter.Sender{ExternalID: fmt.Sprint("c", c)}, Text: "hi"})
		fmt.Println("receive returned:", err)
	}
	switch mode {
	case "after-commit":
		armed.Store(true)
		receive(0)
	case "in-react":
		for c := range crashContacts {
			go receive(c)
		}
	}
	select {}
}

// A reaction is durable through kill -9: a process killed after a
// message's event committed (before its reaction ran, or while it ran,
// holding the key's claim) leaves the job in the database, and an engine
// started on it afterwards runs the reaction exactly for the conversations
// whose events committed, once each, once the claims' leases have ended.
func TestReactionSurvivesKill(t *testing.T) {
	if v := os.Getenv(crashChildEnv); v != "" {
		mode, path, _ := strings.Cut(v, ":")
		crashChild(mode, path)
		return
	}
	for _, tc := range []struct {
		mode  string
		ready func(lines []string) bool
	}{
		{"after-commit", func(lines []string) bool { return slices.Contains(lines, "committed") }},
		{"in-react", func(lines []string) bool { return len(reacting(lines)) == crashContacts }},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cc.db")
			seen := killChild(t, "TestReactionSurvivesKill", crashChildEnv, tc.mode+":"+path, tc.ready)
			for _, l := range seen {
				assert.NotContains(t, l, "receive returned", "the child's reactions were kept from finishing")
			}

			st, err := sqlite.Open(bg, path)
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			later := func() time.Time { return time.Now().Add(2 * time.Hour) } // past the child's leases
			var rmu sync.Mutex
			ran := map[string]int{}
			eng := greeter(t, st, contactcenter.Config{Now: later}, func(_ context.Context, _ *contactcenter.Engine, j contactcenter.Job) error {
				if j.Event.Type != conversation.EventMessageReceived || string(j.Event.Conversation) != j.Key {
					return fmt.Errorf("the job lost its event: %+v", j.Event)
				}
				rmu.Lock()
				ran[j.Key]++
				rmu.Unlock()
				return nil
			})
			waiting, err := eng.Queue(bg, ws, 0)
			require.NoError(t, err)
			committed := map[string]int{}
			for _, c := range waiting {
				committed[string(c.ID)] = 1
			}
			if tc.mode == "in-react" {
				require.ElementsMatch(t, reacting(seen), keysOf(committed), "the child reacted to what it committed")
			}
			require.Len(t, committed, map[string]int{"after-commit": 1, "in-react": crashContacts}[tc.mode])

			n, err := eng.FireTimers(bg)
			require.NoError(t, err)
			assert.Equal(t, len(committed), n, "a job per committed conversation")
			assert.Equal(t, committed, ran, "the reaction ran once for each conversation whose event committed")
			n, err = eng.FireTimers(bg)
			require.NoError(t, err)
			assert.Zero(t, n, "nothing is left")
			assert.Equal(t, committed, ran)
		})
	}
}

// reacting returns the keys of the child's "reacting" lines.
func reacting(lines []string) []string {
	var keys []string
	for _, l := range lines {
		if k, ok := strings.CutPrefix(l, "reacting "); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// keysOf returns m's keys.
func keysOf(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
