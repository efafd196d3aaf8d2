package channel_test

import (
	"fmt"
	"time"

	"github.com/telenet/contactcenter/channel"
)

// A channel's bot and its failure policy (R2): each attempt bounded by
// the default timeout, three failures in a row and the conversation goes
// to the support team with a message; if no one takes it within ten
// minutes, the contact is told so.
func ExampleBot() {
	b := channel.Bot{Name: "faq"}
	b.Fallback = channel.Fallback{Team: "support", Template: "bot_unavailable"}
	b.NoHuman.After, b.NoHuman.Template = 10*time.Minute, "still_waiting"
	fmt.Println(b.Timeout(), b.Failures(), b.Validate())
	b.NoHuman.Template = ""
	fmt.Println(b.Validate())
	// Output:
	// 10s 3 <nil>
	// invalid channel configuration: a no-human wait of 10m0s that neither sends a template nor gives back to the bot (R2)
}
