package sqlstore

import "testing"

func TestRebind(t *testing.T) {
	for _, c := range []struct {
		p        Placeholders
		in, want string
	}{
		{Question, `SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = ? AND c = ?`},
		{Question, `SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT ?) g ORDER BY a LIMIT ?`, `SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT ? + 0) g ORDER BY a LIMIT ? + 0`},
		{Question, `SELECT a FROM t LIMIT 5`, `SELECT a FROM t LIMIT 5`},
		{Dollar, `SELECT a FROM t WHERE b = ? AND c = ? LIMIT ?`, `SELECT a FROM t WHERE b = $1 AND c = $2 LIMIT $3`},
	} {
		if got := Rebind(c.p, c.in); got != c.want {
			t.Errorf("Rebind(%d, %q) = %q, want %q", c.p, c.in, got, c.want)
		}
	}
}
