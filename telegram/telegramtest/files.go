package telegramtest

import (
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/go-telegram/bot/models"
)

// storedFile is a file the server knows the content of.
type storedFile struct {
	id, uniqueID string
	name, mime   string
	path         string
	data         []byte
}

// PutFile registers content for fileID (for instance a file id later used by
// [User.SendVoice]) so that getFile answers for it and the file can be
// downloaded at /file/bot<token>/<file_path>. Registering the same id again
// replaces the content.
func (s *Server) PutFile(fileID, name string, data []byte) {
	if fileID == "" {
		panic("telegramtest: empty file id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.files[fileID]; old != nil {
		delete(s.filePaths, old.path)
	}
	s.fileSeq++
	f := &storedFile{
		id:       fileID,
		uniqueID: fmt.Sprintf("tgtest-uniq-%d", s.fileSeq),
		name:     name,
		mime:     mimeOf(name),
		path:     fmt.Sprintf("files/file_%d%s", s.fileSeq, path.Ext(name)),
		data:     append([]byte(nil), data...),
	}
	s.files[fileID] = f
	s.filePaths[f.path] = f
	s.notifyLocked()
}

// storeUploadLocked registers an uploaded file under a new file id. Caller
// holds s.mu.
func (s *Server) storeUploadLocked(kind string, f File) *storedFile {
	s.fileSeq++
	sf := &storedFile{
		id:       fmt.Sprintf("tgtest-file-%d", s.fileSeq),
		uniqueID: fmt.Sprintf("tgtest-uniq-%d", s.fileSeq),
		name:     f.Name,
		mime:     mimeOf(f.Name),
		path:     fmt.Sprintf("%s/file_%d%s", kind, s.fileSeq, path.Ext(f.Name)),
		data:     append([]byte(nil), f.Data...),
	}
	s.files[sf.id] = sf
	s.filePaths[sf.path] = sf
	return sf
}

func mimeOf(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		t, _, _ = strings.Cut(t, ";")
		return t
	}
	return "application/octet-stream"
}

// uniqueIDLocked returns the file_unique_id of fileID: the stored one for a
// known file, a value derived from the id otherwise. Caller holds s.mu.
func (s *Server) uniqueIDLocked(fileID string) string {
	if f := s.files[fileID]; f != nil {
		return f.uniqueID
	}
	return "tgtest-uniq-" + fileID
}

func (s *Server) uniqueID(fileID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uniqueIDLocked(fileID)
}

func (s *Server) fileSize(fileID string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.files[fileID]; f != nil {
		return int64(len(f.data))
	}
	return 0
}

// photoSizes describes a photo whose largest size has file id fileID.
func (s *Server) photoSizes(fileID string) []models.PhotoSize {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.photoSizesLocked(fileID)
}

func (s *Server) photoSizesLocked(fileID string) []models.PhotoSize {
	size := 0
	if f := s.files[fileID]; f != nil {
		size = len(f.data)
	}
	thumb := fileID + "-thumb"
	return []models.PhotoSize{
		{FileID: thumb, FileUniqueID: s.uniqueIDLocked(thumb), Width: 90, Height: 67},
		{FileID: fileID, FileUniqueID: s.uniqueIDLocked(fileID), Width: 1280, Height: 960, FileSize: size},
	}
}

// getFile answers getFile for files whose content the server knows
// (uploads and [Server.PutFile]); others get 400 "Bad Request: invalid
// file_id".
func (s *Server) getFile(r *request) (result, *apiError) {
	f := s.files[r.str("file_id")]
	if f == nil {
		return result{}, badRequest("invalid file_id")
	}
	return result{value: models.File{
		FileID:       f.id,
		FileUniqueID: f.uniqueID,
		FileSize:     int64(len(f.data)),
		FilePath:     f.path,
	}}, nil
}

// download serves /file/bot<token>/<file_path>; rest is what follows
// "/file/bot".
func (s *Server) download(rest string, call *Call) (int, answer) {
	token, filePath, _ := strings.Cut(rest, "/")
	call.Method = "download"
	call.Token = token
	call.Params = map[string]string{"file_path": filePath}
	s.mu.Lock()
	b := s.bots[token]
	f := s.filePaths[filePath]
	var data []byte
	if f != nil {
		data = f.data // never modified after creation
	}
	s.mu.Unlock()
	if b == nil {
		return errAnswer(errUnauthorized)
	}
	if f == nil {
		return errAnswer(errNotFound)
	}
	ct := f.mime
	if ct == "" {
		ct = "application/octet-stream"
	}
	return http.StatusOK, answer{raw: data, contentType: ct}
}
