package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// jsonKind is what a schema node expects of a JSON value.
type jsonKind int

const (
	jsonString jsonKind = iota
	jsonBool
	jsonInt
	jsonDuration
	jsonObject // fields named in schema.fields
	jsonArray  // elements of schema.elem
	jsonMap    // any keys, values of schema.elem
)

// schema describes the JSON of a Definition for the strict reading of
// Decode: which fields exist where, and what kind of value each holds.
type schema struct {
	kind   jsonKind
	fields map[string]*schema
	elem   *schema
}

var (
	stringSchema   = &schema{kind: jsonString}
	boolSchema     = &schema{kind: jsonBool}
	intSchema      = &schema{kind: jsonInt}
	durationSchema = &schema{kind: jsonDuration}
	conditionSchema,
	definitionSchema *schema
)

func init() {
	conditionSchema = &schema{kind: jsonObject}
	conditionSchema.fields = map[string]*schema{
		"all":    {kind: jsonArray, elem: conditionSchema},
		"any":    {kind: jsonArray, elem: conditionSchema},
		"not":    conditionSchema,
		"field":  stringSchema,
		"op":     stringSchema,
		"value":  stringSchema,
		"values": {kind: jsonArray, elem: stringSchema},
	}
	trigger := &schema{kind: jsonObject, fields: map[string]*schema{
		"on": stringSchema, "from": stringSchema, "tag": stringSchema,
		"field": stringSchema, "presence": stringSchema, "service": stringSchema,
		"after": durationSchema,
	}}
	step := &schema{kind: jsonObject, fields: map[string]*schema{
		"id": stringSchema, "do": stringSchema,
		"agent": stringSchema, "team": stringSchema, "strategy": stringSchema,
		"template": stringSchema, "snippet": stringSchema,
		"tag": stringSchema, "field": stringSchema, "value": stringSchema,
		"priority": stringSchema, "note": stringSchema,
		"for": durationSchema, "until": stringSchema, "timeout": durationSchema,
		"on_timeout": stringSchema,
		"if":         conditionSchema, "then": stringSchema, "else": stringSchema,
		"to": stringSchema, "max": intSchema,
		"name": stringSchema, "data": {kind: jsonMap, elem: stringSchema},
	}}
	definitionSchema = &schema{kind: jsonObject, fields: map[string]*schema{
		"name":          stringSchema,
		"description":   stringSchema,
		"trigger":       trigger,
		"if":            conditionSchema,
		"steps":         {kind: jsonArray, elem: step},
		"keep_on_close": boolSchema,
	}}
}

// located is a problem with its byte offset in the JSON.
type located struct {
	Problem
	off int
}

// reader walks the tokens of a definition's JSON, checking them against
// the schema and noting where each path begins.
type reader struct {
	b     []byte
	dec   *json.Decoder
	pos   map[string]int
	probs []located
}

// errSyntax stops a walk at JSON that cannot be read; the problem is
// already noted.
var errSyntax = errors.New("syntax")

// next returns the offset at which the next token begins.
func (r *reader) next() int {
	off := int(r.dec.InputOffset())
	for off < len(r.b) {
		switch r.b[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (r *reader) add(kind ProblemKind, path string, off int, detail string) {
	r.probs = append(r.probs, located{Problem{Kind: kind, Path: path, Detail: detail}, off})
}

func (r *reader) token() (json.Token, error) {
	tok, err := r.dec.Token()
	if err == nil {
		return tok, nil
	}
	var se *json.SyntaxError
	off := len(r.b)
	detail := "unexpected end of JSON"
	if errors.As(err, &se) {
		off = int(se.Offset)
		detail = se.Error()
	} else if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		detail = err.Error()
	}
	r.add(ProblemSyntax, "", off, detail)
	return nil, errSyntax
}

// skip reads the rest of a compound value whose opening delimiter was
// read, without recursion.
func (r *reader) skip() error {
	for level := 1; level > 0; {
		tok, err := r.token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				level++
			} else {
				level--
			}
		}
	}
	return nil
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return "an object"
		}
		return "a list"
	case string:
		return "a text"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case nil:
		return "null"
	}
	return "a value"
}

func (s *schema) want() string {
	switch s.kind {
	case jsonString:
		return "a text"
	case jsonBool:
		return "true or false"
	case jsonInt:
		return "a whole number"
	case jsonDuration:
		return "a duration such as \"10m\""
	case jsonArray:
		return "a list"
	}
	return "an object"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// value reads one value at path, which s describes (nil: an unknown
// field's value, skipped).
func (r *reader) value(path string, s *schema, depth int) error {
	off := r.next()
	if _, ok := r.pos[path]; !ok {
		r.pos[path] = off
	}
	tok, err := r.token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); ok {
		switch {
		case s == nil:
			return r.skip()
		case depth >= MaxJSONDepth:
			r.add(ProblemTooLarge, path, off, fmt.Sprintf("nested deeper than %d", MaxJSONDepth))
			return r.skip()
		case d == '{' && (s.kind == jsonObject || s.kind == jsonMap):
			return r.object(path, s, depth)
		case d == '[' && s.kind == jsonArray:
			for i := 0; r.dec.More(); i++ {
				if err := r.value(path+"["+strconv.Itoa(i)+"]", s.elem, depth+1); err != nil {
					return err
				}
			}
			_, err := r.token()
			return err
		}
		r.add(ProblemBadType, path, off, fmt.Sprintf("%s where %s belongs", describe(tok), s.want()))
		return r.skip()
	}
	if s == nil {
		return nil
	}
	ok := false
	switch v := tok.(type) {
	case nil:
		ok = s.kind != jsonDuration
	case string:
		switch s.kind {
		case jsonString:
			ok = true
		case jsonDuration:
			if _, err := time.ParseDuration(v); err != nil {
				r.add(ProblemBadDuration, path, off, fmt.Sprintf("%q is not a duration such as \"10m\"", v))
				return nil
			}
			ok = true
		}
	case bool:
		ok = s.kind == jsonBool
	case json.Number:
		if s.kind == jsonInt {
			if _, err := strconv.Atoi(string(v)); err != nil {
				r.add(ProblemBadType, path, off, fmt.Sprintf("%s is not a whole number", v))
				return nil
			}
			ok = true
		}
	}
	if !ok {
		r.add(ProblemBadType, path, off, fmt.Sprintf("%s where %s belongs", describe(tok), s.want()))
	}
	return nil
}

func (r *reader) object(path string, s *schema, depth int) error {
	seen := map[string]bool{}
	for r.dec.More() {
		off := r.next()
		tok, err := r.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		child := join(path, key)
		var cs *schema
		switch {
		case seen[key]:
			r.add(ProblemDuplicateField, child, off, fmt.Sprintf("field %q given twice", key))
		case s.kind == jsonMap:
			cs = s.elem
		default:
			cs = s.fields[key]
			if cs == nil {
				r.add(ProblemUnknownField, child, off, fmt.Sprintf("unknown field %q", key))
			}
		}
		seen[key] = true
		if _, ok := r.pos[child]; !ok {
			r.pos[child] = off
		}
		if err := r.value(child, cs, depth+1); err != nil {
			return err
		}
	}
	_, err := r.token()
	return err
}

// decode reads b strictly and returns the definition, the offset at
// which each path of it begins, and the problems found. When the only
// problems are unknown or duplicate fields, the definition is read as
// json.Unmarshal reads it (ignoring unknown fields, keeping the last of
// duplicates), so that Parse can validate it too; otherwise it is zero.
func decode(b []byte) (Definition, map[string]int, []located) {
	r := &reader{b: b, pos: map[string]int{}}
	if len(b) > MaxDefinitionBytes {
		r.add(ProblemTooLarge, "", 0, fmt.Sprintf("the definition is %d bytes, more than %d", len(b), MaxDefinitionBytes))
		return Definition{}, r.pos, r.probs
	}
	r.dec = json.NewDecoder(bytes.NewReader(b))
	r.dec.UseNumber()
	off := r.next()
	if off == len(b) {
		r.add(ProblemSyntax, "", off, "empty definition")
		return Definition{}, r.pos, r.probs
	}
	if b[off] != '{' {
		if _, err := r.token(); err != nil {
			return Definition{}, r.pos, r.probs
		}
		r.add(ProblemBadType, "", off, "a definition is a JSON object")
		return Definition{}, r.pos, r.probs
	}
	if err := r.value("", definitionSchema, 0); err != nil {
		return Definition{}, r.pos, r.probs
	}
	off = r.next()
	if _, err := r.dec.Token(); !errors.Is(err, io.EOF) {
		r.add(ProblemSyntax, "", off, "data after the definition")
	}
	for _, p := range r.probs {
		if p.Kind != ProblemUnknownField && p.Kind != ProblemDuplicateField {
			return Definition{}, r.pos, r.probs
		}
	}
	var d Definition
	if err := json.Unmarshal(b, &d); err != nil {
		r.add(ProblemSyntax, "", 0, err.Error())
		return Definition{}, r.pos, r.probs
	}
	normalize(&d)
	return d, r.pos, r.probs
}

// normalize makes the empty lists and maps of d nil, as JSON written by
// json.Marshal (which omits them) reads back.
func normalize(d *Definition) {
	d.If = normalizeCondition(d.If)
	for i := range d.Steps {
		st := &d.Steps[i]
		st.If = normalizeCondition(st.If)
		if len(st.Data) == 0 {
			st.Data = nil
		}
	}
}

func normalizeCondition(c *Condition) *Condition {
	if c == nil {
		return nil
	}
	var walk func(c *Condition)
	walk = func(c *Condition) {
		if len(c.All) == 0 {
			c.All = nil
		}
		if len(c.Any) == 0 {
			c.Any = nil
		}
		if len(c.Values) == 0 {
			c.Values = nil
		}
		for i := range c.All {
			walk(&c.All[i])
		}
		for i := range c.Any {
			walk(&c.Any[i])
		}
		if c.Not != nil {
			walk(c.Not)
		}
	}
	walk(c)
	return c
}

// lineColumn returns the 1-based line and byte column of offset off in b.
func lineColumn(b []byte, off int) (line, col int) {
	if off > len(b) {
		off = len(b)
	}
	if off < 0 {
		off = 0
	}
	line = 1 + bytes.Count(b[:off], []byte{'\n'})
	col = off - (bytes.LastIndexByte(b[:off], '\n') + 1) + 1
	return line, col
}

func finish(b []byte, probs []located) *Error {
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].off < probs[j].off })
	e := &Error{Problems: make([]Problem, len(probs))}
	for i, p := range probs {
		p.Line, p.Column = lineColumn(b, p.off)
		e.Problems[i] = p.Problem
	}
	return e
}

// Decode reads a definition from JSON, strictly: unknown fields,
// duplicate fields, values of the wrong kind, trailing data and a body
// beyond MaxDefinitionBytes are problems, with their line and column. It
// does not Validate the definition. Empty lists and maps read as nil, so
// that a definition reads back from json.Marshal as it was.
func Decode(b []byte) (Definition, error) {
	d, _, probs := decode(b)
	if len(probs) > 0 {
		return Definition{}, finish(b, probs)
	}
	return d, nil
}

// Parse is Decode, then Validate, with the problems Validate finds given
// their line and column in b: those of the nearest enclosing element of
// their Path that the JSON has. Unknown and duplicate fields do not stop
// Validate: Parse reports them with its problems. The problems are in the
// order of their positions in b. The definition is returned as read,
// with the error, when the JSON could be read; zero when it could not.
func Parse(b []byte, c Catalog) (Definition, error) {
	d, pos, probs := decode(b)
	for _, p := range probs {
		if p.Kind != ProblemUnknownField && p.Kind != ProblemDuplicateField {
			return Definition{}, finish(b, probs)
		}
	}
	var e *Error
	if err := Validate(&d, c); err != nil && !errors.As(err, &e) {
		return d, err
	}
	if e == nil && len(probs) == 0 {
		return d, nil
	}
	if e != nil {
		for _, p := range e.Problems {
			probs = append(probs, located{p, offsetOf(pos, p.Path)})
		}
	}
	return d, finish(b, probs)
}

// offsetOf returns the offset of path, or of its nearest enclosing
// element that pos has.
func offsetOf(pos map[string]int, path string) int {
	for {
		if off, ok := pos[path]; ok {
			return off
		}
		if path == "" {
			return 0
		}
		path = parent(path)
	}
}

// parent returns the path of the element that encloses path: "steps[2]"
// for "steps[2].team", "steps" for "steps[2]", "" for "steps".
func parent(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}
