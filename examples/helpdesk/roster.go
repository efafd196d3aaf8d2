package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
)

// Roster is who is staff: the people of the -roster file, each a Telegram
// user by id or username, with a role, teams and a capacity. With a
// roster, only its people act in the staff group; without one every
// member of the group is an agent.
type Roster struct {
	// File is the file's path, for messages.
	File string
	// Staff are the people, in the file's order.
	Staff []Person

	byID       map[int64]int  // index in Staff by Telegram id
	byUsername map[string]int // index in Staff by lower-case username
}

// Person is one of the staff in the roster file.
type Person struct {
	// Telegram is the person's Telegram user id; 0 when the roster names
	// them by Username only.
	Telegram int64 `json:"telegram,omitempty"`
	// Username is the person's Telegram username, without the @.
	Username string `json:"username,omitempty"`
	// Name is how the desk names the agent; empty: their Telegram name.
	Name string `json:"name,omitempty"`
	// Role is "agent" (the default) or "supervisor".
	Role string `json:"role,omitempty"`
	// Teams are the teams the agent is in (created when absent).
	Teams []string `json:"teams,omitempty"`
	// Capacity is the most conversations automatic assignment gives the
	// agent at once; 0: no limit.
	Capacity int `json:"capacity,omitempty"`
}

// label names p in messages: @username, or the Telegram id.
func (p Person) label() string {
	if p.Username != "" {
		return "@" + p.Username
	}
	return strconv.FormatInt(p.Telegram, 10)
}

// role returns p's role in the engine.
func (p Person) role() conversation.Role {
	if p.Role == roleSupervisor {
		return conversation.RoleSupervisor
	}
	return conversation.RoleAgent
}

// The roles of the roster file.
const (
	roleAgent      = "agent"
	roleSupervisor = "supervisor"
)

// readRoster reads and checks the -roster file at path.
func readRoster(path string) (*Roster, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-roster: %w", err)
	}
	return parseRoster(path, b)
}

// parseRoster reads b, a roster file: {"staff": [person, …]}. Its errors
// name the file, the line and column, and the person (by number in the
// list and by @username or id) with the problem.
func parseRoster(file string, b []byte) (*Roster, error) {
	fail := func(off int, format string, args ...any) error {
		l, col := lineCol(b, off)
		return fmt.Errorf("-roster %s: %d:%d: %s", file, l, col, fmt.Sprintf(format, args...))
	}
	syntax := func(err error, start int) error {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return fail(start+int(se.Offset)-1, "%v", err)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return fail(len(b), "the JSON ends too soon")
		}
		return fail(start, "%v", strings.TrimPrefix(err.Error(), "json: "))
	}
	skip := func(off int) int {
		for off < len(b) && strings.IndexByte(" \t\r\n,:", b[off]) >= 0 {
			off++
		}
		return off
	}
	r := &Roster{File: file, byID: map[int64]int{}, byUsername: map[string]int{}}
	dec := json.NewDecoder(bytes.NewReader(b))
	first := skip(0)
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err, first)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fail(first, `the roster is a JSON object, {"staff": [{"telegram": 7, "role": "agent"}, …]}`)
	}
	seen := false
	for dec.More() {
		at := skip(int(dec.InputOffset()))
		tok, err := dec.Token()
		if err != nil {
			return nil, syntax(err, at)
		}
		if key, _ := tok.(string); key != "staff" {
			return nil, fail(at, `unknown field %q: the roster has only "staff"`, tok)
		}
		if seen {
			return nil, fail(at, `"staff" is given twice`)
		}
		seen = true
		at = skip(int(dec.InputOffset()))
		if tok, err = dec.Token(); err != nil {
			return nil, syntax(err, at)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return nil, fail(at, `"staff" is a JSON array of people, [{"telegram": 7, "role": "agent"}, …]`)
		}
		for dec.More() {
			start := skip(int(dec.InputOffset()))
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, syntax(err, start)
			}
			n := len(r.Staff) + 1
			pd := json.NewDecoder(bytes.NewReader(raw))
			pd.DisallowUnknownFields()
			var p Person
			if err := pd.Decode(&p); err != nil {
				var te *json.UnmarshalTypeError
				if errors.As(err, &te) && te.Field == "" {
					return nil, fail(start, "person %d: each person is a JSON object, {\"telegram\": 7, \"role\": \"agent\"}", n)
				}
				return nil, fail(start, "person %d: %s", n, strings.TrimPrefix(err.Error(), "json: "))
			}
			if err := r.add(p); err != nil {
				return nil, fail(start, "person %d%s: %v", n, labelOf(p), err)
			}
		}
		at = skip(int(dec.InputOffset()))
		if _, err := dec.Token(); err != nil {
			return nil, syntax(err, at)
		}
	}
	end := skip(int(dec.InputOffset()))
	if _, err := dec.Token(); err != nil {
		return nil, syntax(err, end)
	}
	if rest := skip(int(dec.InputOffset())); rest < len(b) {
		return nil, fail(rest, "text after the roster")
	}
	if len(r.Staff) == 0 {
		return nil, fail(first, `the roster lists nobody: give "staff": [{"telegram": 7, "role": "supervisor"}, …]`)
	}
	return r, nil
}

// labelOf returns ` (@username)` or ` (id)` for a person who has either.
func labelOf(p Person) string {
	p.Username = strings.TrimPrefix(p.Username, "@")
	if p.Username == "" && p.Telegram == 0 {
		return ""
	}
	return " (" + p.label() + ")"
}

// add checks p and appends it to r.
func (r *Roster) add(p Person) error {
	p.Username = strings.TrimPrefix(strings.TrimSpace(p.Username), "@")
	p.Name = strings.TrimSpace(p.Name)
	n := len(r.Staff) + 1
	switch {
	case p.Telegram < 0:
		return fmt.Errorf("telegram %d is not a user id (users' ids are positive; negative ids are groups)", p.Telegram)
	case p.Telegram == 0 && p.Username == "":
		return errors.New(`neither "telegram" (the user id) nor "username" is given`)
	case p.Username != "" && !validUsername(p.Username):
		return fmt.Errorf("username %q: a Telegram username has letters, digits and underscores", p.Username)
	case p.Role != "" && p.Role != roleAgent && p.Role != roleSupervisor:
		return fmt.Errorf("unknown role %q: use %q or %q", p.Role, roleAgent, roleSupervisor)
	case p.Capacity < 0:
		return fmt.Errorf("capacity %d: give 0 (no limit) or more", p.Capacity)
	}
	if p.Role == "" {
		p.Role = roleAgent
	}
	for i, t := range p.Teams {
		t = strings.TrimSpace(t)
		if t == "" {
			return fmt.Errorf("team %d is empty", i+1)
		}
		if slices.Contains(p.Teams[:i], t) {
			return fmt.Errorf("team %q is given twice", t)
		}
		p.Teams[i] = t
	}
	if prev, ok := r.byID[p.Telegram]; ok && p.Telegram != 0 {
		return fmt.Errorf("is listed twice: telegram %d is also person %d", p.Telegram, prev+1)
	}
	if prev, ok := r.byUsername[strings.ToLower(p.Username)]; ok && p.Username != "" {
		return fmt.Errorf("is listed twice: @%s is also person %d", p.Username, prev+1)
	}
	if p.Telegram != 0 {
		r.byID[p.Telegram] = n - 1
	}
	if p.Username != "" {
		r.byUsername[strings.ToLower(p.Username)] = n - 1
	}
	r.Staff = append(r.Staff, p)
	return nil
}

func validUsername(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// find returns the person of the roster Telegram user u is: by id, or by
// username for a person the roster names by username only.
func (r *Roster) find(u *models.User) (Person, bool) {
	if i, ok := r.byID[u.ID]; ok {
		return r.Staff[i], true
	}
	if u.Username == "" {
		return Person{}, false
	}
	i, ok := r.byUsername[strings.ToLower(u.Username)]
	if !ok || r.Staff[i].Telegram != 0 {
		return Person{}, false // that username is someone the roster knows by id
	}
	return r.Staff[i], true
}

// member returns the agent Telegram user u is in the staff group and
// whether they may act there. Without a roster every member of the group
// is an agent, made one on first sight. With one, only its people are:
// each is put as an agent as the roster says (a person the roster names
// by username, on their first message); anyone else is not staff.
func (d *Desk) member(ctx context.Context, u *models.User) (conversation.AgentID, bool, error) {
	r := d.cfg.Roster
	if r == nil {
		id, err := d.agent(ctx, u)
		if err == nil {
			err = d.rememberUsername(ctx, u)
		}
		return id, err == nil, err
	}
	p, ok := r.find(u)
	if !ok {
		return "", false, nil
	}
	if err := d.rememberUsername(ctx, u); err != nil {
		return "", false, err
	}
	id := agentID(u)
	return id, true, d.putPerson(ctx, id, p, u)
}

// onRoster reports whether agent id may act: always without a roster;
// with one, when the roster lists them by id, or by a username the desk
// has seen them write with.
func (d *Desk) onRoster(ctx context.Context, id conversation.AgentID) (bool, error) {
	r := d.cfg.Roster
	if r == nil {
		return true, nil
	}
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil {
		return false, nil
	}
	if _, ok := r.byID[n]; ok {
		return true, nil
	}
	names, err := d.usernames(ctx)
	if err != nil {
		return false, err
	}
	for name, uid := range names {
		if i, ok := r.byUsername[name]; ok && uid == n && r.Staff[i].Telegram == 0 {
			return true, nil
		}
	}
	return false, nil
}

// putPerson puts agent id as person p says: their name (the roster's, or
// else their Telegram name, from u when given), role, teams and capacity.
// A new agent starts offline; an agent's presence is theirs to set. It
// writes only what changed.
func (d *Desk) putPerson(ctx context.Context, id conversation.AgentID, p Person, u *models.User) error {
	old, err := d.eng.Agent(ctx, workspace, id)
	isNew := errors.Is(err, conversation.ErrAgentNotFound)
	if err != nil && !isNew {
		return err
	}
	a := old
	if isNew {
		a = conversation.Agent{ID: id, Workspace: workspace, Presence: conversation.Offline}
	}
	a.Name = p.Name
	if a.Name == "" && u != nil {
		a.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	if a.Name == "" {
		a.Name = old.Name
	}
	if a.Name == "" {
		a.Name = p.label()
	}
	a.Role, a.Capacity = p.role(), p.Capacity
	a.Teams = nil
	for _, t := range p.Teams {
		a.Teams = append(a.Teams, conversation.TeamID(t))
	}
	if !isNew && a.Name == old.Name && a.Role == old.Role && a.Capacity == old.Capacity && slices.Equal(a.Teams, old.Teams) {
		return nil
	}
	_, err = d.eng.PutAgent(ctx, contactcenter.AgentChange{Agent: a, By: conversation.Host()})
	return err
}

// applyRoster puts the roster's people as the workspace's agents at
// start: the teams they are in are created when absent; each person the
// desk can name by Telegram id (given, or learnt from their username) is
// put as the roster says; an agent the roster no longer lists is taken
// off (takeOff). Without a roster it says so in the log.
func (d *Desk) applyRoster(ctx context.Context) error {
	r := d.cfg.Roster
	if r == nil {
		d.log.InfoContext(ctx, "the desk has no roster (-roster): every member of the staff group who writes there is an agent")
		return nil
	}
	names, err := d.usernames(ctx)
	if err != nil {
		return fmt.Errorf("helpdesk tables: %w", err)
	}
	want := map[conversation.AgentID]bool{}
	waiting := 0
	for _, p := range r.Staff {
		for _, t := range p.Teams {
			if err := d.ensureTeam(ctx, conversation.TeamID(t)); err != nil {
				return err
			}
		}
		n := p.Telegram
		if n == 0 {
			if n = names[strings.ToLower(p.Username)]; n == 0 {
				waiting++
				continue // put when they first write in the staff group
			}
			if _, ok := r.byID[n]; ok {
				d.log.WarnContext(ctx, "the roster lists one person twice: by id and by username; the entry by id counts",
					"username", p.Username, "telegram", n)
				continue
			}
		}
		id := conversation.AgentID(strconv.FormatInt(n, 10))
		if err := d.putPerson(ctx, id, p, nil); err != nil {
			return fmt.Errorf("-roster %s: %s: %w", r.File, p.label(), err)
		}
		want[id] = true
	}
	loads, err := d.eng.AgentsWithLoad(ctx, workspace)
	if err != nil {
		return err
	}
	off := 0
	for _, l := range loads {
		if want[l.Agent.ID] {
			continue
		}
		changed, err := d.takeOff(ctx, l.Agent)
		if err != nil {
			return err
		}
		if changed {
			off++
			d.log.WarnContext(ctx, "an agent is no longer on the roster: set offline, their conversations wait for others, they no longer act",
				"agent", l.Agent.ID, "name", l.Agent.Name)
		}
	}
	d.log.InfoContext(ctx, "the roster is the staff; its people start offline: each sends /online in the staff group to get conversations", "file", r.File, "people", len(r.Staff), "taken off", off,
		"not yet seen", waiting)
	return nil
}

// takeOff takes agent a, who is no longer on the roster, off the desk:
// the engine has no deletion of agents, so a is set offline (which
// reassigns their conversations, R3) and kept as a plain agent of no team,
// so that neither assignment nor a role reaches them; the desk ignores
// them in the staff group. It reports whether it changed anything.
func (d *Desk) takeOff(ctx context.Context, a conversation.Agent) (bool, error) {
	if a.Presence == conversation.Offline && a.Role == conversation.RoleAgent && len(a.Teams) == 0 {
		return false, nil
	}
	if a.Presence != conversation.Offline {
		var err error
		if a, err = d.eng.SetPresence(ctx, contactcenter.PresenceChange{Workspace: workspace, Agent: a.ID,
			Presence: conversation.Offline, By: conversation.Host()}); err != nil {
			return false, err
		}
	}
	if a.Role != conversation.RoleAgent || len(a.Teams) > 0 {
		a.Role, a.Teams = conversation.RoleAgent, nil
		if _, err := d.eng.PutAgent(ctx, contactcenter.AgentChange{Agent: a, By: conversation.Host()}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// rememberUsername records the Telegram username of staff member u, so
// that /assign @name and a roster that names them by username find them.
func (d *Desk) rememberUsername(ctx context.Context, u *models.User) error {
	if u.Username == "" {
		return nil
	}
	name := strings.ToLower(u.Username)
	var known int64
	err := d.links.QueryRowContext(ctx, `SELECT user_id FROM helpdesk_staff_usernames WHERE username = ?`, name).Scan(&known)
	if err == nil && known == u.ID {
		return nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err = d.links.ExecContext(ctx, `INSERT INTO helpdesk_staff_usernames (username, user_id) VALUES (?, ?)
		ON CONFLICT (username) DO UPDATE SET user_id = excluded.user_id`, name, u.ID)
	return err
}

// usernames returns the staff's usernames the desk has seen (lower case)
// and the Telegram ids they belong to.
func (d *Desk) usernames(ctx context.Context) (map[string]int64, error) {
	rows, err := d.links.QueryContext(ctx, `SELECT username, user_id FROM helpdesk_staff_usernames`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var (
			name string
			id   int64
		)
		if err := rows.Scan(&name, &id); err != nil {
			return nil, err
		}
		out[name] = id
	}
	return out, rows.Err()
}

// stranger answers a member of the staff group who is not on the roster,
// once per person however often they write, across restarts: the outbox
// keeps the notice's key for good. What they wrote is otherwise ignored.
func (d *Desk) stranger(ctx context.Context, m *models.Message) error {
	name := strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)
	if name == "" {
		name = "You"
	}
	text := fmt.Sprintf("%s: you are not on this desk's staff roster, so the desk ignores what you write here "+
		"(replies reach no customer, commands do nothing). A supervisor can add your Telegram id, %d, to the roster.", name, m.From.ID)
	return d.enqueue(ctx, outItem{Key: fmt.Sprintf("stranger:%d", m.From.ID), Kind: outAnswer, ReplyTo: m.ID, Text: text})
}

// supervisor reports whether agent id is a supervisor, as the engine
// holds them: the roster's role, put at start.
func (d *Desk) supervisor(ctx context.Context, id conversation.AgentID) (bool, error) {
	a, err := d.eng.Agent(ctx, workspace, id)
	if err != nil {
		return false, err
	}
	return a.Role == conversation.RoleSupervisor, nil
}

// findAgent returns the agent /assign names in arg: @username (a username
// the desk has seen in the staff group, or the roster gives with an id),
// a Telegram id, or an agent's name (whole, or the first word of it). why,
// if not empty, is the answer when arg names no agent who may act.
func (d *Desk) findAgent(ctx context.Context, arg string) (id conversation.AgentID, name, why string, err error) {
	arg = strings.TrimSpace(arg)
	var uid int64
	switch {
	case strings.HasPrefix(arg, "@"):
		user := strings.ToLower(strings.Fields(arg)[0][1:])
		names, err := d.usernames(ctx)
		if err != nil {
			return "", "", "", err
		}
		uid = names[user]
		if r := d.cfg.Roster; r != nil {
			if i, ok := r.byUsername[user]; ok && r.Staff[i].Telegram != 0 {
				uid = r.Staff[i].Telegram
			}
		}
		if uid == 0 {
			return "", "", fmt.Sprintf("Not done: nobody has written in the staff group as @%s yet, so the desk does not know who that is.", user), nil
		}
	default:
		if n, err := strconv.ParseInt(arg, 10, 64); err == nil && n > 0 {
			uid = n
			break
		}
		loads, err := d.eng.AgentsWithLoad(ctx, workspace)
		if err != nil {
			return "", "", "", err
		}
		var found []conversation.Agent
		for _, l := range loads {
			first, _, _ := strings.Cut(l.Agent.Name, " ")
			if !strings.EqualFold(l.Agent.Name, arg) && !strings.EqualFold(first, arg) {
				continue
			}
			if ok, err := d.onRoster(ctx, l.Agent.ID); err != nil {
				return "", "", "", err
			} else if ok {
				found = append(found, l.Agent)
			}
		}
		switch len(found) {
		case 0:
			return "", "", fmt.Sprintf("Not done: no agent is called %q; use @username or the Telegram id.", arg), nil
		case 1:
			return found[0].ID, found[0].Name, "", nil
		}
		return "", "", fmt.Sprintf("Not done: %d agents are called %q; use @username or the Telegram id.", len(found), arg), nil
	}
	id = conversation.AgentID(strconv.FormatInt(uid, 10))
	if ok, err := d.onRoster(ctx, id); err != nil || !ok {
		return "", "", fmt.Sprintf("Not done: %s is not on the staff roster.", arg), err
	}
	a, err := d.eng.Agent(ctx, workspace, id)
	if errors.Is(err, conversation.ErrAgentNotFound) {
		return "", "", fmt.Sprintf("Not done: %s is not an agent yet: they have not written in the staff group.", arg), nil
	}
	if err != nil {
		return "", "", "", err
	}
	return a.ID, a.Name, "", nil
}

// forbidden answers an agent whom the engine refused command cmd on
// conversation conv (conversation.ErrForbidden): the conversation is
// another agent's, and only they or a supervisor may.
func (d *Desk) forbidden(ctx context.Context, conv conversation.ID, cmd string, cause error) (string, error) {
	c, err := d.eng.Conversation(ctx, workspace, conv)
	if err != nil || c.Assignee == "" {
		return refusal(cause)
	}
	owner := string(c.Assignee)
	if a, err := d.eng.Agent(ctx, workspace, c.Assignee); err == nil && a.Name != "" {
		owner = a.Name
	}
	return fmt.Sprintf("Not done: #%d is %s's; only they or a supervisor may /%s it.", c.TicketNumber, owner, cmd), nil
}

// help lists the staff commands agent id may use: a supervisor's include
// /assign and /transfer, and their /close works on anyone's conversation.
func (d *Desk) help(ctx context.Context, id conversation.AgentID) (string, error) {
	sup, err := d.supervisor(ctx, id)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if sup {
		b.WriteString("Commands for a supervisor. Reply to one of a conversation's messages to answer it, or with:\n")
		b.WriteString("/claim: take it\n")
		b.WriteString("/assign @username (or name, or Telegram id): give it to an agent\n")
		b.WriteString("/transfer team: send it to a team's queue\n")
		b.WriteString("/close [note]: close it, whoever's it is\n")
		b.WriteString("/closeticket [note]: close its ticket, whoever's it is\n")
	} else {
		b.WriteString("Commands for an agent. Reply to one of a conversation's messages to answer it, or with:\n")
		b.WriteString("/claim: take it, if nobody has it\n")
		b.WriteString("/close [note]: close it, if it is yours or nobody's\n")
		b.WriteString("/closeticket [note]: close its ticket, if the conversation is yours or nobody's\n")
	}
	b.WriteString("Anywhere in the group:\n")
	b.WriteString("/queue: who is waiting\n")
	b.WriteString("/online, /away, /offline: your presence\n")
	b.WriteString("/help: this list")
	return b.String(), nil
}
