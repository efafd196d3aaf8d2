package command

import (
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"

	"github.com/telenet/contactcenter/ticket"
)

// Key names one answer text in the catalog. The values are stable.
type Key string

// The answers, with the arguments their texts take.
const (
	// KeyOpened: a new ticket was opened (R6.1). %[1]s is its number.
	KeyOpened Key = "command.opened"
	// KeySwitched: the contact moved to another ticket (R6.2). %[1]s is its
	// number.
	KeySwitched Key = "command.switched"
	// KeyAlready: the ticket asked for is the current one (R6.2). %[1]s is
	// its number.
	KeyAlready Key = "command.already"
	// KeyElsewhere: the ticket asked for is being answered in the
	// contact's open conversation on another channel, where it stays
	// (R6.2: a ticket has one open conversation). %[1]s is its number.
	KeyElsewhere Key = "command.elsewhere"
	// KeyNotFound: the number is not one of the contact's open tickets; the
	// same answer whether it does not exist, is another contact's or another
	// workspace's (R6.2). %[1]s is the number asked for, %[2]s the list
	// command.
	KeyNotFound Key = "command.not_found"
	// KeyUsage: a switch without a valid number (R6.2). %[1]s is the switch
	// command, %[2]s the list command.
	KeyUsage Key = "command.usage"
	// KeyListCurrent heads the current ticket in the list (R6.3).
	KeyListCurrent Key = "command.list.current"
	// KeyListOthers heads the other open tickets; plural on %[1]d, their
	// count.
	KeyListOthers Key = "command.list.others"
	// KeyListOpen heads the open tickets when none is current; plural on
	// %[1]d, their count.
	KeyListOpen Key = "command.list.open"
	// KeyListNoOthers: there is a current ticket and no other.
	KeyListNoOthers Key = "command.list.no_others"
	// KeyListNone: the contact has no open ticket.
	KeyListNone Key = "command.list.none"
	// KeyListHint closes the list. %[1]s is the switch command, %[2]s the
	// new-ticket command.
	KeyListHint Key = "command.list.hint"
)

// defaults are the library's texts, per language.
var defaults = map[language.Tag]map[Key]catalog.Message{
	language.English: {
		KeyOpened:       catalog.String("Ticket #%[1]s is open. Write to us here and an agent will answer."),
		KeySwitched:     catalog.String("You are now on ticket #%[1]s."),
		KeyAlready:      catalog.String("You are already on ticket #%[1]s."),
		KeyElsewhere:    catalog.String("Ticket #%[1]s is open in your conversation on another channel: please continue it there."),
		KeyNotFound:     catalog.String("Ticket #%[1]s is not one of your open tickets. Send %[2]s to see them."),
		KeyUsage:        catalog.String("To change tickets, send %[1]s and the ticket number, for example: %[1]s 1432. Send %[2]s to see your open tickets."),
		KeyListCurrent:  catalog.String("Current ticket:"),
		KeyListOthers:   plural.Selectf(1, "%d", plural.One, "Your other open ticket:", plural.Other, "Your %[1]d other open tickets:"),
		KeyListOpen:     plural.Selectf(1, "%d", plural.One, "Your open ticket:", plural.Other, "Your %[1]d open tickets:"),
		KeyListNoOthers: catalog.String("You have no other open tickets."),
		KeyListNone:     catalog.String("You have no open tickets."),
		KeyListHint:     catalog.String("Send %[1]s and a number to change tickets, or %[2]s to open a new one."),
	},
	language.Spanish: {
		KeyOpened:       catalog.String("Se abrió el ticket #%[1]s. Escríbenos aquí y un agente te responderá."),
		KeySwitched:     catalog.String("Ahora estás en el ticket #%[1]s."),
		KeyAlready:      catalog.String("Ya estás en el ticket #%[1]s."),
		KeyElsewhere:    catalog.String("El ticket #%[1]s está abierto en tu conversación de otro canal: continúala allí, por favor."),
		KeyNotFound:     catalog.String("El ticket #%[1]s no es uno de tus tickets abiertos. Envía %[2]s para verlos."),
		KeyUsage:        catalog.String("Para cambiar de ticket, envía %[1]s y el número del ticket, por ejemplo: %[1]s 1432. Envía %[2]s para ver tus tickets abiertos."),
		KeyListCurrent:  catalog.String("Ticket actual:"),
		KeyListOthers:   plural.Selectf(1, "%d", plural.One, "Tu otro ticket abierto:", plural.Other, "Tus otros %[1]d tickets abiertos:"),
		KeyListOpen:     plural.Selectf(1, "%d", plural.One, "Tu ticket abierto:", plural.Other, "Tus %[1]d tickets abiertos:"),
		KeyListNoOthers: catalog.String("No tienes otros tickets abiertos."),
		KeyListNone:     catalog.String("No tienes tickets abiertos."),
		KeyListHint:     catalog.String("Envía %[1]s y un número para cambiar de ticket, o %[2]s para abrir uno nuevo."),
	},
	language.Portuguese: {
		KeyOpened:       catalog.String("O ticket #%[1]s foi aberto. Escreva-nos aqui e um agente responderá."),
		KeySwitched:     catalog.String("Agora você está no ticket #%[1]s."),
		KeyAlready:      catalog.String("Você já está no ticket #%[1]s."),
		KeyElsewhere:    catalog.String("O ticket #%[1]s está aberto na sua conversa em outro canal: continue por lá, por favor."),
		KeyNotFound:     catalog.String("O ticket #%[1]s não é um dos seus tickets abertos. Envie %[2]s para vê-los."),
		KeyUsage:        catalog.String("Para mudar de ticket, envie %[1]s e o número do ticket, por exemplo: %[1]s 1432. Envie %[2]s para ver seus tickets abertos."),
		KeyListCurrent:  catalog.String("Ticket atual:"),
		KeyListOthers:   plural.Selectf(1, "%d", plural.One, "Seu outro ticket aberto:", plural.Other, "Seus outros %[1]d tickets abertos:"),
		KeyListOpen:     plural.Selectf(1, "%d", plural.One, "Seu ticket aberto:", plural.Other, "Seus %[1]d tickets abertos:"),
		KeyListNoOthers: catalog.String("Você não tem outros tickets abertos."),
		KeyListNone:     catalog.String("Você não tem tickets abertos."),
		KeyListHint:     catalog.String("Envie %[1]s e um número para mudar de ticket, ou %[2]s para abrir um novo."),
	},
}

// Answers are the texts of the replies to commands, in several languages.
// The zero value is not usable; call NewAnswers. An Answers is safe for
// concurrent use.
type Answers struct {
	b *catalog.Builder

	mu      sync.RWMutex
	langs   []language.Tag
	matcher language.Matcher
	has     map[language.Tag]map[Key]bool // the keys each language has
}

// NewAnswers returns the library's answers: English, Spanish and
// Portuguese. English is the fallback for other languages.
func NewAnswers() *Answers {
	a := &Answers{b: catalog.NewBuilder(catalog.Fallback(language.English)), has: map[language.Tag]map[Key]bool{}}
	for tag, msgs := range defaults {
		for key, msg := range msgs {
			if err := a.Set(tag, key, msg); err != nil {
				panic("command: default answer " + string(key) + ": " + err.Error())
			}
		}
	}
	return a
}

func (a *Answers) sortLangs() {
	slices.SortFunc(a.langs, func(x, y language.Tag) int {
		// English first: the matcher prefers its first language on ties.
		switch {
		case x == language.English:
			return -1
		case y == language.English:
			return 1
		}
		return strings.Compare(x.String(), y.String())
	})
	a.matcher = language.NewMatcher(a.langs)
}

// Set replaces the text of key for language tag, or adds a language. msg
// uses the x/text catalog forms: catalog.String for a plain text,
// plural.Selectf for plural forms. The arguments are those the key's
// documentation lists.
func (a *Answers) Set(tag language.Tag, key Key, msg ...catalog.Message) error {
	if err := a.b.Set(tag, string(key), msg...); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.has[tag] == nil {
		a.has[tag] = map[Key]bool{}
	}
	a.has[tag][key] = true
	if !slices.Contains(a.langs, tag) {
		a.langs = append(a.langs, tag)
		a.sortLangs()
	}
	return nil
}

// Language returns the language answers to a contact are written in: the
// best match of lang (a BCP 47 tag such as Telegram's "es-MX") among the
// catalog's languages, or English.
func (a *Answers) Language(lang string) language.Tag {
	t, err := language.Parse(strings.ReplaceAll(lang, "_", "-"))
	if err != nil {
		return language.English
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	_, i, conf := a.matcher.Match(t)
	if conf == language.No {
		return language.English
	}
	return a.langs[i]
}

// Text returns the answer key in the contact's language lang, formatted
// with args; in the parent language when that language lacks the key (es
// for es-MX), and in English when none has it.
func (a *Answers) Text(lang string, key Key, args ...any) string {
	return a.text(a.Language(lang), key, args...)
}

func (a *Answers) text(tag language.Tag, key Key, args ...any) string {
	a.mu.RLock()
	// A regional language without the key takes its parent's (es-MX, es).
	for !a.has[tag][key] {
		if tag == language.Und {
			tag = language.English
			break
		}
		tag = tag.Parent()
	}
	a.mu.RUnlock()
	return message.NewPrinter(tag, message.Catalog(a.b)).Sprintf(string(key), args...)
}

// ListInput is what the list answer shows (R6.3, R6.4).
type ListInput struct {
	// Current is the ticket of the contact's open conversation, if any.
	Current *ticket.Ticket
	// Open are the contact's open tickets, the current one included or not.
	Open []ticket.Ticket
	// ShowSubject shows each subject beside its number (R6.4).
	ShowSubject bool
	// SwitchWord and NewWord are the channel's commands, for the hint.
	SwitchWord, NewWord string
}

// List returns the answer to the list command in the contact's language:
// the current ticket at the head, separated from the rest (R6.3).
func (a *Answers) List(lang string, in ListInput) string {
	tag := a.Language(lang)
	var b strings.Builder
	line := func(t *ticket.Ticket) {
		b.WriteString("#")
		b.WriteString(t.Number.String())
		if in.ShowSubject && t.Subject != "" {
			b.WriteString(" — ")
			b.WriteString(t.Subject)
		}
		b.WriteByte('\n')
	}
	others := make([]*ticket.Ticket, 0, len(in.Open))
	for i := range in.Open {
		if in.Current == nil || in.Open[i].ID != in.Current.ID {
			others = append(others, &in.Open[i])
		}
	}
	switch {
	case in.Current == nil && len(others) == 0:
		b.WriteString(a.text(tag, KeyListNone))
		b.WriteByte('\n')
	case in.Current != nil:
		b.WriteString(a.text(tag, KeyListCurrent))
		b.WriteByte('\n')
		line(in.Current)
		b.WriteByte('\n')
		if len(others) == 0 {
			b.WriteString(a.text(tag, KeyListNoOthers))
			b.WriteByte('\n')
		} else {
			b.WriteString(a.text(tag, KeyListOthers, len(others)))
			b.WriteByte('\n')
		}
	default:
		b.WriteString(a.text(tag, KeyListOpen, len(others)))
		b.WriteByte('\n')
	}
	for _, t := range others {
		line(t)
	}
	if in.Current != nil || len(others) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString(a.text(tag, KeyListHint, in.SwitchWord, in.NewWord))
	return b.String()
}
