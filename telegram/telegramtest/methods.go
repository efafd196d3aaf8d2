package telegramtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// Telegram's length limits, in UTF-16 code units.
const (
	maxTextLen    = 4096
	maxCaptionLen = 1024
)

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// chatLocked resolves the chat in parameter param. Caller holds s.mu.
func (s *Server) chatLocked(r *request, param string) (*chatState, *apiError) {
	v := strings.TrimSpace(r.str(param))
	if v == "" {
		return nil, badRequest(param + " is empty")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, errChatNotFound
	}
	c := s.chats[id]
	if c == nil {
		return nil, errChatNotFound
	}
	return c, nil
}

// targetLocked resolves chat_id as a chat bot b may write into. Caller holds
// s.mu.
func (s *Server) targetLocked(r *request) (*chatState, *apiError) {
	c, err := s.chatLocked(r, "chat_id")
	if err != nil {
		return nil, err
	}
	if c.user != nil && r.bot.blocked[c.chat.ID] {
		return nil, errBlocked
	}
	return c, nil
}

// replyLocked resolves reply_parameters (or the older reply_to_message_id
// and allow_sending_without_reply) in chat c. Caller holds s.mu.
func (s *Server) replyLocked(r *request, c *chatState) (*models.Message, *apiError) {
	var rp models.ReplyParameters
	present, err := r.jsonParam("reply_parameters", &rp)
	if err != nil {
		return nil, err
	}
	if !present {
		id, err := r.integer("reply_to_message_id")
		if err != nil {
			return nil, err
		}
		if id == 0 {
			return nil, nil
		}
		rp.MessageID = int(id)
		if rp.AllowSendingWithoutReply, err = r.boolean("allow_sending_without_reply"); err != nil {
			return nil, err
		}
	}
	target := c.find(r.bot, rp.MessageID)
	if target == nil {
		if rp.AllowSendingWithoutReply {
			return nil, nil
		}
		return nil, badRequest("message to be replied not found")
	}
	return replySnapshot(target), nil
}

// decorate applies the optional entities and reply_markup parameters to m.
func (r *request) decorate(m *models.Message, entitiesParam string) *apiError {
	var entities []models.MessageEntity
	if _, err := r.jsonParam(entitiesParam, &entities); err != nil {
		return err
	}
	if len(entities) > 0 {
		if entitiesParam == "caption_entities" {
			m.CaptionEntities = entities
		} else {
			m.Entities = entities
		}
	}
	markup, err := r.inlineKeyboard()
	if err != nil {
		return err
	}
	m.ReplyMarkup = markup
	return nil
}

// inlineKeyboard returns reply_markup when it is an inline keyboard.
func (r *request) inlineKeyboard() (*models.InlineKeyboardMarkup, *apiError) {
	var markup models.InlineKeyboardMarkup
	if _, err := r.jsonParam("reply_markup", &markup); err != nil {
		return nil, err
	}
	if len(markup.InlineKeyboard) == 0 {
		return nil, nil
	}
	return &markup, nil
}

// caption returns the caption parameter, checking its length.
func (r *request) caption() (string, *apiError) {
	c := r.str("caption")
	if utf16Len(c) > maxCaptionLen {
		return "", badRequest("message caption is too long")
	}
	return c, nil
}

// sendLocked implements the sending methods: it resolves the target chat,
// checks blocking and rate limits, resolves the reply, lets build make the
// message content, stores the message from the bot and returns it. Caller
// holds s.mu.
func (s *Server) sendLocked(r *request, build func() (models.Message, *apiError)) (*storedMsg, *apiError) {
	b := r.bot
	c, err := s.targetLocked(r)
	if err != nil {
		return nil, err
	}
	if err := s.checkLimitsLocked(b, c, false, r.now); err != nil {
		return nil, err
	}
	reply, err := s.replyLocked(r, c)
	if err != nil {
		return nil, err
	}
	m, err := build()
	if err != nil {
		return nil, err
	}
	m.ReplyToMessage = reply
	from := b.user
	m.From = &from
	sm := s.addMessageLocked(c, b, b, m, r.now)
	s.recordSendLocked(b, c, false, r.now)
	return sm, nil
}

func (s *Server) sendMessage(r *request) (result, *apiError) {
	sm, err := s.sendLocked(r, func() (models.Message, *apiError) {
		text := r.str("text")
		if strings.TrimSpace(text) == "" {
			return models.Message{}, badRequest("message text is empty")
		}
		if utf16Len(text) > maxTextLen {
			return models.Message{}, badRequest("message is too long")
		}
		m := models.Message{Text: text}
		return m, r.decorate(&m, "entities")
	})
	if err != nil {
		return result{}, err
	}
	return result{value: cloneMessage(&sm.msg)}, nil
}

// fileRef is the file of a media message.
type fileRef struct {
	id, uniqueID string
	name, mime   string
	size         int64
}

// inputFileLocked resolves media parameter field: an upload (a multipart
// file in that field, or "attach://<name>") is stored under a new file id;
// any other non-empty value is taken as a file_id (or URL) as is. Caller
// holds s.mu. Call it after every other validation, since it stores
// uploads.
func (s *Server) inputFileLocked(r *request, field string) (fileRef, *apiError) {
	f, upload := r.files[field]
	v := r.str(field)
	if !upload {
		if name, ok := strings.CutPrefix(v, "attach://"); ok {
			if f, upload = r.files[name]; !upload {
				return fileRef{}, badRequest("wrong file identifier/HTTP URL specified")
			}
		}
	}
	if upload {
		sf := s.storeUploadLocked(field, f)
		return fileRef{id: sf.id, uniqueID: sf.uniqueID, name: sf.name, mime: sf.mime, size: int64(len(sf.data))}, nil
	}
	if strings.TrimSpace(v) == "" {
		return fileRef{}, badRequest("there is no " + field + " in the request")
	}
	ref := fileRef{id: v, uniqueID: s.uniqueIDLocked(v)}
	if sf := s.files[v]; sf != nil {
		ref.name, ref.mime, ref.size = sf.name, sf.mime, int64(len(sf.data))
	}
	return ref, nil
}

// sendMedia implements a media sending method: fill puts the file into the
// message.
func (s *Server) sendMedia(r *request, field string, fill func(m *models.Message, f fileRef)) (result, *apiError) {
	sm, err := s.sendLocked(r, func() (models.Message, *apiError) {
		caption, err := r.caption()
		if err != nil {
			return models.Message{}, err
		}
		m := models.Message{Caption: caption}
		if err := r.decorate(&m, "caption_entities"); err != nil {
			return models.Message{}, err
		}
		f, err := s.inputFileLocked(r, field)
		if err != nil {
			return models.Message{}, err
		}
		fill(&m, f)
		return m, nil
	})
	if err != nil {
		return result{}, err
	}
	return result{value: cloneMessage(&sm.msg)}, nil
}

func (s *Server) sendVoice(r *request) (result, *apiError) {
	duration, err := r.integer("duration")
	if err != nil {
		return result{}, err
	}
	return s.sendMedia(r, "voice", func(m *models.Message, f fileRef) {
		mimeType := f.mime
		if mimeType == "" || mimeType == "application/octet-stream" {
			mimeType = "audio/ogg"
		}
		m.Voice = &models.Voice{FileID: f.id, FileUniqueID: f.uniqueID, Duration: int(duration), MimeType: mimeType, FileSize: f.size}
	})
}

func (s *Server) sendAudio(r *request) (result, *apiError) {
	duration, err := r.integer("duration")
	if err != nil {
		return result{}, err
	}
	return s.sendMedia(r, "audio", func(m *models.Message, f fileRef) {
		m.Audio = &models.Audio{
			FileID: f.id, FileUniqueID: f.uniqueID, Duration: int(duration),
			Performer: r.str("performer"), Title: r.str("title"),
			FileName: f.name, MimeType: f.mime, FileSize: f.size,
		}
	})
}

func (s *Server) sendDocument(r *request) (result, *apiError) {
	return s.sendMedia(r, "document", func(m *models.Message, f fileRef) {
		m.Document = &models.Document{FileID: f.id, FileUniqueID: f.uniqueID, FileName: f.name, MimeType: f.mime, FileSize: f.size}
	})
}

func (s *Server) sendPhoto(r *request) (result, *apiError) {
	return s.sendMedia(r, "photo", func(m *models.Message, f fileRef) {
		m.Photo = s.photoSizesLocked(f.id)
	})
}

// copyMessage implements copyMessage: the copy keeps the original's text,
// entities, media and caption (the caption parameter, when given, replaces
// the caption of a media message) and comes from the bot.
func (s *Server) copyMessage(r *request) (result, *apiError) {
	from, err := s.chatLocked(r, "from_chat_id")
	if err != nil {
		return result{}, err
	}
	id, err := r.integer("message_id")
	if err != nil {
		return result{}, err
	}
	src := from.find(r.bot, int(id))
	if src == nil {
		return result{}, badRequest("message to copy not found")
	}
	sm, err := s.sendLocked(r, func() (models.Message, *apiError) {
		o := cloneMessage(&src.msg)
		m := models.Message{
			Text: o.Text, Entities: o.Entities,
			Animation: o.Animation, Audio: o.Audio, Document: o.Document, Photo: o.Photo,
			Sticker: o.Sticker, Video: o.Video, VideoNote: o.VideoNote, Voice: o.Voice,
			Caption: o.Caption, CaptionEntities: o.CaptionEntities,
			Contact: o.Contact, Location: o.Location, Venue: o.Venue,
		}
		if r.has("caption") && m.Text == "" {
			caption, err := r.caption()
			if err != nil {
				return models.Message{}, err
			}
			m.Caption, m.CaptionEntities = caption, nil
		}
		markup, err := r.inlineKeyboard()
		if err != nil {
			return models.Message{}, err
		}
		m.ReplyMarkup = markup
		return m, nil
	})
	if err != nil {
		return result{}, err
	}
	return result{value: models.MessageID{ID: sm.msg.ID}}, nil
}

// editMessageText implements editMessageText for messages the bot sent.
func (s *Server) editMessageText(r *request) (result, *apiError) {
	if r.str("chat_id") == "" && r.str("inline_message_id") != "" {
		return result{}, badRequest("MESSAGE_ID_INVALID")
	}
	c, err := s.targetLocked(r)
	if err != nil {
		return result{}, err
	}
	id, err := r.integer("message_id")
	if err != nil {
		return result{}, err
	}
	text := r.str("text")
	if strings.TrimSpace(text) == "" {
		return result{}, badRequest("message text is empty")
	}
	if utf16Len(text) > maxTextLen {
		return result{}, badRequest("message is too long")
	}
	sm := c.find(r.bot, int(id))
	if sm == nil {
		return result{}, badRequest("message to edit not found")
	}
	if sm.senderBot != r.bot {
		return result{}, badRequest("message can't be edited")
	}
	if sm.msg.Text == "" {
		return result{}, badRequest("there is no text in the message to edit")
	}
	edited := models.Message{Text: text}
	if err := r.decorate(&edited, "entities"); err != nil {
		return result{}, err
	}
	if edited.Text == sm.msg.Text && jsonOf(edited.Entities) == jsonOf(sm.msg.Entities) &&
		jsonOf(edited.ReplyMarkup) == jsonOf(sm.msg.ReplyMarkup) {
		return result{}, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	if err := s.checkLimitsLocked(r.bot, c, true, r.now); err != nil {
		return result{}, err
	}
	sm.msg.Text = edited.Text
	sm.msg.Entities = edited.Entities
	sm.msg.ReplyMarkup = edited.ReplyMarkup
	sm.msg.EditDate = int(r.now.Unix())
	s.recordSendLocked(r.bot, c, true, r.now)
	s.notifyLocked()
	return result{value: cloneMessage(&sm.msg)}, nil
}

func jsonOf(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// sendChatAction implements sendChatAction (no effect beyond validation).
func (s *Server) sendChatAction(r *request) (result, *apiError) {
	if _, err := s.targetLocked(r); err != nil {
		return result{}, err
	}
	if r.str("action") == "" {
		return result{}, badRequest("wrong parameter action in request")
	}
	return result{value: true}, nil
}
