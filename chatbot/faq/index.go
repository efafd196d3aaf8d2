package faq

import (
	"fmt"
	"math"

	"golang.org/x/text/language"
)

// base returns the base language of a BCP 47 tag: "es" for "es-MX".
func base(tag string) (string, error) {
	t, err := language.Parse(tag)
	if err != nil {
		return "", fmt.Errorf("language %q: %v", tag, err)
	}
	b, _ := t.Base()
	return b.String(), nil
}

func stopSet(lang string, l Language) map[string]bool {
	list := l.Stopwords
	if list == nil {
		list = stopwords[lang]
	}
	set := make(map[string]bool, len(list))
	for _, w := range list {
		for _, n := range words(w) {
			set[n] = true
		}
	}
	return set
}

// index is the BM25 index of one language's questions: each question is a
// document, and an entry scores as its best question.
type index struct {
	stop  map[string]bool
	docs  []doc
	terms map[string]*term
	avgdl float64
}

type doc struct {
	entry int
	len   float64
}

type term struct {
	idf  float64
	post []posting
}

type posting struct {
	doc int32
	tf  float64
}

func newIndex(stop map[string]bool) *index {
	return &index{stop: stop, terms: map[string]*term{}}
}

// add indexes question q of entry; false when q has no word to match.
func (ix *index) add(entry int, q string) bool {
	tf := map[string]int{}
	n := 0
	for _, w := range words(q) {
		if !ix.stop[w] {
			tf[w]++
			n++
		}
	}
	if n == 0 {
		return false
	}
	d := int32(len(ix.docs))
	ix.docs = append(ix.docs, doc{entry: entry, len: float64(n)})
	for w, c := range tf {
		t := ix.terms[w]
		if t == nil {
			t = &term{}
			ix.terms[w] = t
		}
		t.post = append(t.post, posting{doc: d, tf: float64(c)})
	}
	return true
}

// finish computes the mean question length and each word's inverse
// document frequency, ln(1 + (N - n + 0.5) / (n + 0.5)), which is never
// negative.
func (ix *index) finish() {
	total := 0.0
	for _, d := range ix.docs {
		total += d.len
	}
	ix.avgdl = total / float64(len(ix.docs))
	n := float64(len(ix.docs))
	for _, t := range ix.terms {
		df := float64(len(t.post))
		t.idf = math.Log(1 + (n-df+0.5)/(df+0.5))
	}
}

// best returns the entry that scores best for the query words ws, its
// score and the best score of another entry. Ties go to the earlier
// entry. entry is -1 when no word matches.
func (ix *index) best(ws []string) (entry int, score, second float64) {
	scores := make(map[int32]float64)
	seen := make(map[string]bool, len(ws))
	for _, w := range ws {
		if ix.stop[w] || seen[w] {
			continue
		}
		seen[w] = true
		t := ix.terms[w]
		if t == nil {
			continue
		}
		for _, p := range t.post {
			dl := ix.docs[p.doc].len
			scores[p.doc] += t.idf * p.tf * (K1 + 1) / (p.tf + K1*(1-B+B*dl/ix.avgdl))
		}
	}
	byEntry := make(map[int]float64, len(scores))
	for d, s := range scores {
		e := ix.docs[d].entry
		if s > byEntry[e] {
			byEntry[e] = s
		}
	}
	entry = -1
	for e, s := range byEntry {
		if s > score || s == score && e < entry {
			if entry >= 0 {
				second = max(second, score)
			}
			entry, score = e, s
		} else {
			second = max(second, s)
		}
	}
	return entry, score, second
}
