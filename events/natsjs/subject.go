package natsjs

import (
	"fmt"
	"strings"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// NoneToken is the subject token of an empty id: the token of the
// conversation of an event that belongs to none (agent.presence_changed,
// message.rejected, config.changed…). No other id gives it.
const NoneToken = "%"

// EscapeToken returns id as one subject token. Letters, digits, '-' and
// '_' stay as they are; every other byte, including '.', '*', '>',
// whitespace, '%' and each byte of a non-ASCII character, becomes '%' and
// two upper-case hex digits ("ws.1" gives "ws%2E1"). The empty id gives
// NoneToken. The token is never empty, holds printable ASCII only, and is
// never a wildcard; two different ids never give the same token, and
// UnescapeToken gives the id back.
func EscapeToken(id string) string {
	if id == "" {
		return NoneToken
	}
	n := 0
	for i := 0; i < len(id); i++ {
		if !plain(id[i]) {
			n++
		}
	}
	if n == 0 {
		return id
	}
	return string(appendToken(make([]byte, 0, len(id)+2*n), id))
}

// appendToken appends EscapeToken(id) to b.
func appendToken(b []byte, id string) []byte {
	if id == "" {
		return append(b, NoneToken...)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if plain(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

const hexDigits = "0123456789ABCDEF"

// plain reports whether c stands for itself in a token.
func plain(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// UnescapeToken returns the id that EscapeToken turned into tok. A token
// EscapeToken does not give (a '.', a byte it escapes, a '%' not followed
// by two upper-case hex digits, an empty token) is an error wrapping
// ErrInvalidSubject.
func UnescapeToken(tok string) (string, error) {
	if tok == NoneToken {
		return "", nil
	}
	if tok == "" {
		return "", fmt.Errorf("%w: empty token", ErrInvalidSubject)
	}
	if !strings.Contains(tok, "%") {
		for i := 0; i < len(tok); i++ {
			if !plain(tok[i]) {
				return "", fmt.Errorf("%w: token %q has byte %q, which is escaped", ErrInvalidSubject, tok, tok[i])
			}
		}
		return tok, nil
	}
	b := make([]byte, 0, len(tok))
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case plain(c):
			b = append(b, c)
		case c == '%' && i+2 < len(tok) && upperHex(tok[i+1]) >= 0 && upperHex(tok[i+2]) >= 0:
			d := byte(upperHex(tok[i+1])<<4 | upperHex(tok[i+2]))
			if plain(d) {
				return "", fmt.Errorf("%w: token %q escapes %q, which stands for itself", ErrInvalidSubject, tok, d)
			}
			b = append(b, d)
			i += 2
		default:
			return "", fmt.Errorf("%w: token %q has a bad escape at byte %d", ErrInvalidSubject, tok, i)
		}
	}
	return string(b), nil
}

// upperHex returns the value of the upper-case hex digit c, or -1.
func upperHex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// Subject returns the subject of the events of conversation conv in
// workspace ws under prefix: prefix, the workspace's token and the
// conversation's token, joined by '.' (EscapeToken). The events of no
// conversation have NoneToken last.
func Subject(prefix string, ws ticket.WorkspaceID, conv conversation.ID) string {
	return string(appendSubject(make([]byte, 0, len(prefix)+len(ws)+len(conv)+2), prefix, ws, conv))
}

func appendSubject(b []byte, prefix string, ws ticket.WorkspaceID, conv conversation.ID) []byte {
	b = append(b, prefix...)
	b = append(b, '.')
	b = appendToken(b, string(ws))
	b = append(b, '.')
	return appendToken(b, string(conv))
}

// WorkspaceSubjects returns the filter subject of every event of workspace
// ws under prefix ("<prefix>.<ws>.>"), for a consumer that serves one
// workspace.
func WorkspaceSubjects(prefix string, ws ticket.WorkspaceID) string {
	return prefix + "." + EscapeToken(string(ws)) + ".>"
}

// ParseSubject returns the workspace and conversation that subject names
// under prefix: the inverse of Subject. A subject of another prefix, or
// whose tokens EscapeToken does not give, is an error wrapping
// ErrInvalidSubject.
func ParseSubject(prefix, subject string) (ticket.WorkspaceID, conversation.ID, error) {
	rest, ok := strings.CutPrefix(subject, prefix+".")
	if !ok {
		return "", "", fmt.Errorf("%w: subject %q is not under %q", ErrInvalidSubject, subject, prefix)
	}
	wsTok, convTok, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(convTok, ".") {
		return "", "", fmt.Errorf("%w: subject %q has not two tokens after %q", ErrInvalidSubject, subject, prefix)
	}
	ws, err := UnescapeToken(wsTok)
	if err != nil {
		return "", "", err
	}
	conv, err := UnescapeToken(convTok)
	if err != nil {
		return "", "", err
	}
	return ticket.WorkspaceID(ws), conversation.ID(conv), nil
}

// checkPrefix checks that prefix is one or more tokens of a subject one
// can publish to: no empty token, no whitespace or control byte, no
// wildcard ('*', '>').
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil // the default
	}
	for tok := range strings.SplitSeq(prefix, ".") {
		if tok == "" {
			return fmt.Errorf("subject prefix %q has an empty token", prefix)
		}
		for i := 0; i < len(tok); i++ {
			if c := tok[i]; c <= ' ' || c == 0x7f || c == '*' || c == '>' {
				return fmt.Errorf("subject prefix %q has byte %q, which a subject token cannot hold", prefix, c)
			}
		}
	}
	return nil
}
