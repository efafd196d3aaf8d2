package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBody bounds the size of a request body.
const maxBody = 64 << 20

// parseParams reads the query string and the body (multipart/form-data,
// application/json or application/x-www-form-urlencoded) into text
// parameters and uploaded files. Body parameters win over query ones.
func parseParams(hr *http.Request) (map[string]string, map[string]File, *apiError) {
	params := map[string]string{}
	for k, v := range hr.URL.Query() {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	var files map[string]File
	if hr.Body == nil {
		return params, files, nil
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody+1))
	if err != nil {
		return params, files, badRequest("can't read request body")
	}
	if len(body) > maxBody {
		return params, files, &apiError{code: http.StatusRequestEntityTooLarge, desc: "Request Entity Too Large"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, files, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return params, files, badRequest("can't parse multipart/form-data body")
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return params, files, badRequest("can't parse multipart/form-data body")
			}
			if part.FileName() != "" {
				if files == nil {
					files = map[string]File{}
				}
				files[part.FormName()] = File{Name: part.FileName(), Data: data}
			} else {
				params[part.FormName()] = string(data)
			}
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return params, files, badRequest("can't parse JSON object")
		}
		for k, raw := range obj {
			var str string
			switch {
			case json.Unmarshal(raw, &str) == nil:
				params[k] = str
			case string(raw) == "null":
			default:
				params[k] = string(raw)
			}
		}
	case "application/x-www-form-urlencoded", "":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return params, files, badRequest("can't parse request body")
		}
		for k, v := range values {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
	default:
		return params, files, badRequest("unsupported Content-Type " + ct)
	}
	return params, files, nil
}

// has reports whether parameter name was given.
func (r *request) has(name string) bool {
	_, ok := r.params[name]
	return ok
}

func (r *request) str(name string) string { return r.params[name] }

// integer parses an optional integer parameter (0 when absent).
func (r *request) integer(name string) (int64, *apiError) {
	v, ok := r.params[name]
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, badRequest("invalid " + name + " specified")
	}
	return n, nil
}

// boolean parses an optional boolean parameter (false when absent).
func (r *request) boolean(name string) (bool, *apiError) {
	v, ok := r.params[name]
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, badRequest("invalid " + name + " specified")
	}
	return b, nil
}

// jsonParam decodes an optional JSON parameter into dst and reports whether
// it was present.
func (r *request) jsonParam(name string, dst any) (bool, *apiError) {
	v, ok := r.params[name]
	if !ok || v == "" {
		return false, nil
	}
	if err := json.Unmarshal([]byte(v), dst); err != nil {
		return false, badRequest("can't parse " + name + " JSON object")
	}
	return true, nil
}
