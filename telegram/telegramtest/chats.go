package telegramtest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-telegram/bot/models"
)

// supergroupIDLimit: Telegram gives supergroups ids of the form -100xxxxxxxxxx.
const supergroupIDLimit = -1000000000000

// chatState holds one chat and its messages.
type chatState struct {
	chat    models.Chat
	user    *User // private chats only
	nextID  int
	msgs    []*storedMsg
	byID    map[int]*storedMsg
	isGroup bool
}

// storedMsg is a message as the server keeps it.
type storedMsg struct {
	msg       models.Message
	peer      *botState // private chats: the bot of the conversation
	senderBot *botState // nil when a user sent it
}

// visibleTo reports whether bot b can see the message.
func (m *storedMsg) visibleTo(b *botState) bool {
	return m.peer == nil || m.peer == b
}

// find returns message id of the chat if bot b can see it.
func (c *chatState) find(b *botState, id int) *storedMsg {
	m := c.byID[id]
	if m == nil || !m.visibleTo(b) {
		return nil
	}
	return m
}

// addMessageLocked stores m in chat c (setting id, chat and date) and returns
// the stored message. Caller holds s.mu.
func (s *Server) addMessageLocked(c *chatState, peer, sender *botState, m models.Message, now time.Time) *storedMsg {
	c.nextID++
	m.ID = c.nextID
	m.Chat = c.chat
	m.Date = int(now.Unix())
	sm := &storedMsg{msg: m, peer: peer, senderBot: sender}
	if c.isGroup {
		sm.peer = nil
	}
	c.msgs = append(c.msgs, sm)
	c.byID[m.ID] = sm
	s.notifyLocked()
	return sm
}

// cloneMessage returns a deep copy of m as the client would decode it.
func cloneMessage(m *models.Message) models.Message {
	data, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: marshal message: %v", err))
	}
	var out models.Message
	if err := json.Unmarshal(data, &out); err != nil {
		panic(fmt.Sprintf("telegramtest: unmarshal message: %v", err))
	}
	return out
}

// replySnapshot is m as embedded in reply_to_message: without its own
// reply_to_message, as Telegram does.
func replySnapshot(m *storedMsg) *models.Message {
	c := cloneMessage(&m.msg)
	c.ReplyToMessage = nil
	return &c
}

// User is a person talking to bots, created with [Server.User].
type User struct {
	s     *Server
	model models.User
	chat  *chatState
}

// Group is a group chat, created with [Server.Group]. Every registered bot is
// a member.
type Group struct {
	s    *Server
	chat *chatState
}

// User returns the person with the given id (> 0), creating them if needed;
// their private chat with any bot has chat id == id. Calling it again with
// the same id returns the existing user unchanged. It panics if id is not
// positive or is a bot's id.
func (s *Server) User(id int64, firstName, languageCode string) *User {
	if id <= 0 {
		panic(fmt.Sprintf("telegramtest: user id must be positive, got %d", id))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[id]; ok {
		return u
	}
	if _, ok := s.botIDs[id]; ok {
		panic(fmt.Sprintf("telegramtest: user id %d is a bot's id", id))
	}
	u := &User{
		s:     s,
		model: models.User{ID: id, FirstName: firstName, LanguageCode: languageCode},
	}
	u.chat = &chatState{
		chat: models.Chat{ID: id, Type: models.ChatTypePrivate, FirstName: firstName},
		user: u,
		byID: map[int]*storedMsg{},
	}
	s.users[id] = u
	s.chats[id] = u.chat
	s.notifyLocked()
	return u
}

// Group returns the group chat with the given id (< 0, like Telegram's),
// creating it if needed. Ids at or below -1000000000000 are supergroups,
// others plain groups. Calling it again with the same id returns the
// existing group unchanged. It panics if id is not negative.
func (s *Server) Group(id int64, title string) *Group {
	if id >= 0 {
		panic(fmt.Sprintf("telegramtest: group id must be negative, got %d", id))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.groups[id]; ok {
		return g
	}
	typ := models.ChatTypeGroup
	if id <= supergroupIDLimit {
		typ = models.ChatTypeSupergroup
	}
	g := &Group{s: s, chat: &chatState{
		chat:    models.Chat{ID: id, Type: typ, Title: title},
		byID:    map[int]*storedMsg{},
		isGroup: true,
	}}
	s.groups[id] = g
	s.chats[id] = g.chat
	s.notifyLocked()
	return g
}

// ID returns the user's id, which is also their private chat's id.
func (u *User) ID() int64 { return u.model.ID }

// Model returns the user as Telegram describes them (the "from" of their
// messages).
func (u *User) Model() models.User { return u.model }

// ID returns the group's chat id.
func (g *Group) ID() int64 { return g.chat.chat.ID }

// Chat returns the group as Telegram describes it (the "chat" of its
// messages).
func (g *Group) Chat() models.Chat { return g.chat.chat }

// botLocked returns the bot with token or panics. Caller holds s.mu.
func (s *Server) botLocked(token string) *botState {
	b := s.bots[token]
	if b == nil {
		panic(fmt.Sprintf("telegramtest: unknown bot token %q", token))
	}
	return b
}

// userPost stores m from u in c and enqueues it for bot token as a message
// update. A non-zero replyTo fills reply_to_message.
func (s *Server) userPost(token string, c *chatState, from *User, replyTo int, m models.Message) models.Message {
	if from == nil || from.s != s {
		panic("telegramtest: sender is nil or belongs to another Server")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.botLocked(token)
	if replyTo != 0 {
		target := c.find(b, replyTo)
		if target == nil {
			panic(fmt.Sprintf("telegramtest: reply to unknown message %d in chat %d", replyTo, c.chat.ID))
		}
		m.ReplyToMessage = replySnapshot(target)
	}
	fromModel := from.model
	m.From = &fromModel
	sm := s.addMessageLocked(c, b, nil, m, now)
	out := cloneMessage(&sm.msg)
	s.enqueueLocked(b, models.Update{Message: &out})
	return cloneMessage(&sm.msg)
}

// userEdit changes the text (or, for media, the caption) of message id sent
// by from in c and enqueues an edited_message update for bot token.
func (s *Server) userEdit(token string, c *chatState, from *User, id int, text string) models.Message {
	if from == nil || from.s != s {
		panic("telegramtest: sender is nil or belongs to another Server")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.botLocked(token)
	sm := c.find(b, id)
	if sm == nil || sm.senderBot != nil || sm.msg.From == nil || sm.msg.From.ID != from.model.ID {
		panic(fmt.Sprintf("telegramtest: user %d has no message %d in chat %d with bot %q", from.model.ID, id, c.chat.ID, token))
	}
	if sm.msg.Text == "" && sm.msg.Caption != "" {
		sm.msg.Caption = text
	} else {
		sm.msg.Text = text
	}
	sm.msg.EditDate = int(now.Unix())
	s.notifyLocked()
	out := cloneMessage(&sm.msg)
	s.enqueueLocked(b, models.Update{EditedMessage: &out})
	return cloneMessage(&sm.msg)
}

// Send has the user write text to bot token in their private chat. It
// stores the message, enqueues a message update for that bot and returns
// the message.
func (u *User) Send(token, text string) models.Message {
	return u.s.userPost(token, u.chat, u, 0, models.Message{Text: text})
}

// SendVoice has the user send a voice note (file_id, duration in seconds)
// to bot token in private, like [User.Send].
func (u *User) SendVoice(token, fileID string, duration int) models.Message {
	return u.s.userPost(token, u.chat, u, 0, models.Message{Voice: &models.Voice{
		FileID:       fileID,
		FileUniqueID: u.s.uniqueID(fileID),
		Duration:     duration,
		MimeType:     "audio/ogg",
		FileSize:     u.s.fileSize(fileID),
	}})
}

// SendAudio has the user send an audio file to bot token in private, like
// [User.Send].
func (u *User) SendAudio(token, fileID string, duration int, title string) models.Message {
	return u.s.userPost(token, u.chat, u, 0, models.Message{Audio: &models.Audio{
		FileID:       fileID,
		FileUniqueID: u.s.uniqueID(fileID),
		Duration:     duration,
		Title:        title,
		MimeType:     "audio/mpeg",
		FileSize:     u.s.fileSize(fileID),
	}})
}

// SendDocument has the user send a document to bot token in private, like
// [User.Send].
func (u *User) SendDocument(token, fileID, fileName, mimeType string, size int64) models.Message {
	return u.s.userPost(token, u.chat, u, 0, models.Message{Document: &models.Document{
		FileID:       fileID,
		FileUniqueID: u.s.uniqueID(fileID),
		FileName:     fileName,
		MimeType:     mimeType,
		FileSize:     size,
	}})
}

// SendPhoto has the user send a photo with a caption to bot token in
// private, like [User.Send]. As on Telegram the photo comes in two sizes: a
// thumbnail (file id fileID+"-thumb") then the full size, whose file id is
// fileID.
func (u *User) SendPhoto(token, fileID, caption string) models.Message {
	return u.s.userPost(token, u.chat, u, 0, models.Message{
		Photo:   u.s.photoSizes(fileID),
		Caption: caption,
	})
}

// Post has the user send m to bot token in their private chat, with
// whatever content it carries (a document with a caption, a sticker, a
// video), like [User.Send]: the server sets its id, chat, date and sender.
func (u *User) Post(token string, m models.Message) models.Message {
	return u.s.userPost(token, u.chat, u, 0, m)
}

// Edit has the user edit their private message messageID to bot token: the
// stored message gets the new text (the caption for a media message) and
// edit_date, and an edited_message update is enqueued for the bot.
func (u *User) Edit(token string, messageID int, text string) models.Message {
	return u.s.userEdit(token, u.chat, u, messageID, text)
}

// Block makes the user block bot token: afterwards the bot's sends and
// edits in the user's chat fail with 403 "Forbidden: bot was blocked by the
// user".
func (u *User) Block(token string) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	u.s.botLocked(token).blocked[u.model.ID] = true
	u.s.notifyLocked()
}

// Unblock undoes [User.Block].
func (u *User) Unblock(token string) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	delete(u.s.botLocked(token).blocked, u.model.ID)
	u.s.notifyLocked()
}

// Send has from write text in the group, as a reply to message replyTo when
// it is not 0 (reply_to_message is the replied message as stored). It
// enqueues a message update for bot token only and returns the message.
func (g *Group) Send(token string, from *User, text string, replyTo int) models.Message {
	return g.s.userPost(token, g.chat, from, replyTo, models.Message{Text: text})
}

// Post has from send m in the group, with whatever content it carries (a
// sticker, a photo), as a reply to message replyTo when it is not 0, like
// [Group.Send]: the server sets its id, chat, date and sender.
func (g *Group) Post(token string, from *User, m models.Message, replyTo int) models.Message {
	return g.s.userPost(token, g.chat, from, replyTo, m)
}

// Edit has from edit their group message messageID and enqueues an
// edited_message update for bot token.
func (g *Group) Edit(token string, from *User, messageID int, text string) models.Message {
	return g.s.userEdit(token, g.chat, from, messageID, text)
}

// Chat returns every message of the chat in order (users' and bots', all
// conversations of a private chat), with edits applied. It returns nil for
// an unknown chat.
func (s *Server) Chat(chatID int64) []models.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	out := make([]models.Message, 0, len(c.msgs))
	for _, m := range c.msgs {
		out = append(out, cloneMessage(&m.msg))
	}
	return out
}

// Sent returns the messages bot token sent into the chat, in order, with
// edits applied.
func (s *Server) Sent(token string, chatID int64) []models.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	b := s.bots[token]
	if c == nil || b == nil {
		return nil
	}
	var out []models.Message
	for _, m := range c.msgs {
		if m.senderBot == b {
			out = append(out, cloneMessage(&m.msg))
		}
	}
	return out
}
