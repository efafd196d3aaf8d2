package workflow

import "strings"

// known is a Catalog that knows every name "a".
var known = Catalog{
	Template: is("a"), Snippet: is("a"), Team: is("a"), Agent: is("a"),
	Service: is("a"), Strategy: is("a"), Step: is("a"), Bot: is("a"),
}

func is(names ...string) func(string) bool {
	return func(n string) bool {
		for _, m := range names {
			if m == n {
				return true
			}
		}
		return false
	}
}

// def returns the JSON of a definition of trigger and steps.
func def(trigger, steps string) string {
	return `{"name":"w","trigger":` + trigger + `,"steps":[` + steps + `]}`
}

// at returns the line and column of the first occurrence of marker in s.
func at(s, marker string) (int, int) {
	i := strings.Index(s, marker)
	if i < 0 {
		return 0, 0
	}
	return lineColumn([]byte(s), i)
}
