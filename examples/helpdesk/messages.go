package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/hours"
	"github.com/telenet/contactcenter/template"
)

// Messages are the desk's automatic messages and business hours, read from
// the JSON file of the -messages flag:
//
//	{
//	  "welcome": [
//	    {"language": "en", "text": "Hi {{contact.first_name | \"there\"}}, this is ticket #{{ticket.number}}."},
//	    {"language": "es", "text": "Hola {{contact.first_name | \"de nuevo\"}}, este es el ticket #{{ticket.number}}."}
//	  ],
//	  "out_of_hours": [
//	    {"language": "en", "text": "We are closed now; we answer from 9:00."}
//	  ],
//	  "hours": {"zone": "Europe/Madrid", "weekly": {"monday": ["09:00-18:00"]}, "holidays": ["2026-12-25"]}
//	}
//
// The first variant of each message is the one for contacts whose language
// has none of its own.
type Messages struct {
	// Welcome goes to each new conversation (R5).
	Welcome []template.Variant `json:"welcome"`
	// OutOfHours goes to a contact who writes outside Hours, once per
	// conversation per closed period (R4).
	OutOfHours []template.Variant `json:"out_of_hours"`
	// Hours are the business hours; required with OutOfHours.
	Hours *hours.Schedule `json:"hours"`
}

// readMessages reads and checks the messages file at path.
func readMessages(path string) (Messages, error) {
	var m Messages
	b, err := os.ReadFile(path)
	if err != nil {
		return m, fmt.Errorf("-messages: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("-messages %s: %w", path, err)
	}
	if _, err := m.settings(context.Background(), nil); err != nil {
		return m, fmt.Errorf("-messages %s: %w", path, err)
	}
	return m, nil
}

// settings checks m and, given an engine, saves its templates there; it
// returns the channel settings that name them.
func (m Messages) settings(ctx context.Context, eng *contactcenter.Engine) (channel.Settings, error) {
	var s channel.Settings
	put := func(name string, variants []template.Variant) (string, error) {
		if len(variants) == 0 {
			return "", nil
		}
		t, err := template.New(name, variants...)
		if err != nil {
			return "", err
		}
		if eng != nil {
			if err := eng.PutTemplate(ctx, contactcenter.TemplateChange{Workspace: workspace, Template: t, By: conversation.Host()}); err != nil {
				return "", err
			}
		}
		return name, nil
	}
	var err error
	if s.Welcome, err = put("welcome", m.Welcome); err != nil {
		return s, err
	}
	if s.OutOfHours.Template, err = put("out_of_hours", m.OutOfHours); err != nil {
		return s, err
	}
	switch {
	case s.OutOfHours.Template != "" && m.Hours == nil:
		return s, errors.New("out_of_hours needs hours")
	case m.Hours != nil:
		if _, err := hours.New(*m.Hours); err != nil {
			return s, err
		}
		s.OutOfHours.Hours = *m.Hours
	}
	return s, nil
}
