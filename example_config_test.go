package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/template"
)

// Channels and templates are configuration kept in the store, versioned
// and shared by every engine on it; transports are code, which each engine
// is given. A template a channel names cannot be deleted.
func ExampleEngine_PutTemplate() {
	ctx := context.Background()
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	eng, err := contactcenter.New(contactcenter.Config{
		Store:      memory.New(),
		Transports: map[channel.Kind]channel.Transport{channel.KindTelegram: tr},
		Publish: func(_ context.Context, e conversation.Event) error {
			fmt.Println(strings.TrimSpace(string(e.Type) + " " + e.Detail))
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	welcome, err := template.New("welcome",
		template.Variant{Language: "en", Text: `Hi {{contact.first_name | "there"}}, this is ticket #{{ticket.number}}.`},
		template.Variant{Language: "es", Text: `Hola {{contact.first_name | "de nuevo"}}, este es el ticket #{{ticket.number}}.`})
	if err != nil {
		panic(err)
	}
	if err := eng.PutTemplate(ctx, contactcenter.TemplateChange{Workspace: "acme", Template: welcome, By: conversation.Host()}); err != nil {
		panic(err)
	}
	err = eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "acme", Kind: channel.KindTelegram, Account: "support-bot",
		Settings: channel.Settings{Welcome: "welcome"}}, By: conversation.Host()}) // the engine has the transport
	if err != nil {
		panic(err)
	}

	r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "acme", Channel: "tg", ExternalID: "update-1",
		From: contactcenter.Sender{ExternalID: "chat-42", Name: "Lucía Fernández", Language: "es"}, Text: "Hola"})
	if err != nil {
		panic(err)
	}
	fmt.Println("sent:", r.Automatic[0].Text)

	err = eng.DeleteTemplate(ctx, contactcenter.TemplateDeletion{Workspace: "acme", Name: "welcome", By: conversation.Host()})
	var named *store.ReferencedError
	fmt.Println(contactcenter.ErrorCode(err), errors.As(err, &named) && named.By[0].Name == "tg")
	// Output:
	// config.changed template/welcome@1
	// config.changed channel/tg@1
	// ticket.opened
	// conversation.opened
	// message.received
	// message.queued
	// message.sent
	// sent: Hola Lucía, este es el ticket #1.
	// conflict true
}
