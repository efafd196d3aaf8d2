package contactcenter_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/hours"
	"github.com/telenet/contactcenter/template"
)

// R4 with the hours of the channel's service: two channels name service
// "support"; its hours decide whether each is closed, and a change of them
// applies to both at once, without putting the channels again.
func TestServiceHours(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "closed", template.Variant{Language: "en", Text: "We are closed."}), By: conversation.Host()}))
	support := channel.Settings{OutOfHours: channel.OutOfHours{Template: "closed", Service: "support"}}

	err := f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: support}, Transport: f.tr, By: conversation.Host()})
	assert.ErrorIs(t, err, contactcenter.ErrInvalid, "a service without hours")
	require.NoError(t, f.eng.PutServiceHours(bg, contactcenter.ServiceHoursChange{Workspace: ws, Service: "support", Hours: officeHours(), By: conversation.Host()}))
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: support}, Transport: f.tr, By: conversation.Host()}))
	other := channel.NewMemoryTransport(fullCaps)
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "web", Workspace: ws, Kind: channel.KindMemory, Account: "web", Settings: support}, Transport: other, By: conversation.Host()}))

	write := func(ch channel.ID, contact, ext string) contactcenter.Received {
		r, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: ch, ExternalID: ext, From: contactcenter.Sender{ExternalID: contact, Language: "en"}, Text: "hi"})
		require.NoError(t, err)
		return r
	}
	// Monday 10:00 in Madrid: the service is open.
	assert.Empty(t, write("tg", "c1", "u1").Automatic)
	// Monday 19:00: closed, on both channels.
	f.clock.Advance(9 * time.Hour)
	r := write("tg", "c2", "u2")
	require.Len(t, r.Automatic, 1)
	assert.Equal(t, "We are closed.", r.Automatic[0].Text)
	require.Len(t, write("web", "c3", "w1").Automatic, 1)

	// The service now opens until 22:00 every weekday: both channels are
	// open at 19:00.
	late := officeHours()
	for d := time.Monday; d <= time.Friday; d++ {
		late.Weekly[d] = []hours.Interval{{Start: hours.At(9, 0), End: hours.At(22, 0)}}
	}
	require.NoError(t, f.eng.PutServiceHours(bg, contactcenter.ServiceHoursChange{Workspace: ws, Service: "support", Hours: late, By: conversation.Host()}))
	assert.Empty(t, write("tg", "c4", "u3").Automatic)
	assert.Empty(t, write("web", "c5", "w2").Automatic)

	// Hours that break a rule are refused, and those in place stay.
	assert.ErrorIs(t, f.eng.PutServiceHours(bg, contactcenter.ServiceHoursChange{Workspace: ws, Service: "support", Hours: hours.Schedule{Zone: "Nowhere/Atlantis"}, By: conversation.Host()}), contactcenter.ErrInvalid)
	assert.ErrorIs(t, f.eng.PutServiceHours(bg, contactcenter.ServiceHoursChange{Workspace: ws, Service: "", Hours: late, By: conversation.Host()}), contactcenter.ErrInvalid)
	assert.Empty(t, write("tg", "c6", "u4").Automatic, "the service's hours as they were")

	// A channel sets its own hours or its service's, not both.
	both := support
	both.OutOfHours.Hours = officeHours()
	err = f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: both}, Transport: f.tr, By: conversation.Host()})
	assert.ErrorIs(t, err, contactcenter.ErrInvalid)
	assert.ErrorIs(t, err, channel.ErrInvalid)
}
