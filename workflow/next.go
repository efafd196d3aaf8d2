package workflow

import "strconv"

// Index returns the index of the step with id, or -1. The empty id names
// no step.
func (d *Definition) Index(id string) int {
	if id == "" {
		return -1
	}
	for i := range d.Steps {
		if d.Steps[i].ID == id {
			return i
		}
	}
	return -1
}

// Next moves p past the Branch and Jump steps from p.Next, testing their
// conditions against s, to the next step that acts (any other kind), and
// returns its index: len(d.Steps) when the run is done. p.Next is set to
// it, and p.Jumps counts the jumps taken; a nil p is the start of a run.
//
// A Branch goes to Then when its If holds and to Else when not (the next
// step for an empty or unknown id); a Jump goes to To while it was taken
// fewer than Max times, then to the next step. Next ends on any
// definition, even one Validate refuses: past a bound of steps passed it
// returns len(d.Steps), so a run that loops is done.
func (d *Definition) Next(p *Position, s *Snapshot) (step int, passed []Passed) {
	if p == nil {
		p = &Position{}
	}
	n := len(d.Steps)
	i := p.Next
	if i < 0 || i > n {
		i = n
	}
	limit := (n + 1) * (MaxJumps + 2)
	for guard := 0; i < n; guard++ {
		if guard >= limit {
			i = n
			break
		}
		st := &d.Steps[i]
		switch st.Do {
		case Branch:
			held, trace := st.If.EvalAt("steps["+strconv.Itoa(i)+"].if", s)
			to := st.Else
			if held {
				to = st.Then
			}
			j := d.Index(to)
			if j < 0 {
				j = i + 1
			}
			passed = append(passed, Passed{Step: i, Do: Branch, Taken: held, To: j, Trace: trace})
			i = j
		case Jump:
			j := d.Index(st.To)
			taken := j >= 0 && p.Jumps[i] < st.Max
			if taken {
				if p.Jumps == nil {
					p.Jumps = map[int]int{}
				}
				p.Jumps[i]++
			} else {
				j = i + 1
			}
			passed = append(passed, Passed{Step: i, Do: Jump, Taken: taken, To: j})
			i = j
		default:
			p.Next = i
			return i, passed
		}
	}
	p.Next = i
	return i, passed
}
