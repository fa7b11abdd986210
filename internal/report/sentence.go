package report

import (
	"fmt"
	"regexp"
	"strings"
)

// gainWords say what gRPC's gain in unit is: "1.5× the calls per second",
// "2× smaller bodies".
var gainWords = map[string]string{
	"req/s": "the calls per second", "msgs/s": "the messages per second",
	"server-cpu-ns/op": "less server CPU per call", "cpu-ns/op": "less CPU per call",
	"body-B/op": "smaller bodies", "wire-B/op": "fewer wire bytes", "ns/op": "faster",
	"p50-ns": "lower p50 latency", "p99-ns": "lower p99 latency",
}

// gainPhrase is "1.5–3.9× the calls per second" over cs, in REST's favour
// when rest is set; mixed units take fallback ("faster").
func gainPhrase(cs []Comparison, rest bool, fallback string) string {
	words := ""
	for i, c := range cs {
		w := gainWords[c.Unit]
		if i > 0 && w != words {
			words = fallback
			break
		}
		words = w
	}
	if words == "" {
		words = fallback
	}
	return gainSpan(cs, rest) + " " + words
}

// MaxVerdict is the longest verdict sentence the table quotes; a longer one
// lists fewer conditions, then drops REST's side (the section has them all).
const MaxVerdict = 200

// MaxMeasured is the longest measured cell of the headline table.
const MaxMeasured = 250

// keyToken is a name key written as a benchmark names it, "payload=1KiB".
var keyToken = regexp.MustCompile(`[A-Za-z-]+=[^\s]`)

// HeadlineProblems checks the article's table as Build writes it: every
// measured cell at most MaxMeasured characters, every verdict at most
// MaxVerdict, and no name key (key=value) anywhere. It returns one line per
// problem.
func HeadlineProblems(table string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(table), "\n")[2:] {
		cells := strings.Split(strings.Trim(l, "| "), " | ")
		if len(cells) != 4 {
			out = append(out, fmt.Sprintf("row %q: %d cells, want 4", l, len(cells)))
			continue
		}
		name, measured, verdict := cells[0], cells[2], strings.Trim(cells[3], "*")
		if n := len([]rune(measured)); n > MaxMeasured {
			out = append(out, fmt.Sprintf("%s: measured cell of %d characters, over %d", name, n, MaxMeasured))
		}
		if n := len([]rune(verdict)); n > MaxVerdict {
			out = append(out, fmt.Sprintf("%s: verdict of %d characters, over %d", name, n, MaxVerdict))
		}
		if k := keyToken.FindString(l); k != "" {
			out = append(out, fmt.Sprintf("%s: name key %q in the row", name, k))
		}
	}
	return out
}

// Sentence writes a verdict as one plain sentence: the category, the
// deciding conditions in words and the factor, e.g. "Holds for records of
// 64 KiB and up (gRPC 2.5–3.9× the calls per second); with 100 B records
// REST is ahead (1.5× the calls per second)". fallback words a gain over
// mixed units.
func Sentence(v Verdict, dims []string, fallback string) string {
	return sentenceWithin(v, dims, fallback, MaxVerdict)
}

// sentenceWithin is Sentence in at most limit characters where it can be.
func sentenceWithin(v Verdict, dims []string, fallback string, limit int) string {
	for _, n := range []int{2, 1, 0} {
		if s := sentence(v, dims, fallback, max(n, 1), n > 0); len([]rune(s)) <= limit {
			return s
		}
		// Fewer conditions named: the verdict's own, and why it is uncertain.
		if v.Kind == HoldsOnlyWhen {
			v.When = Describe(v.Wins, append(append([]Comparison(nil), v.Losses...), v.Sames...), dims, max(n-1, 0))
		}
		if v.Uncertain {
			v.Why = "within the noise " + v.uncertainWhere(dims, max(n-1, 0))
		}
	}
	// Counts alone; the section names every condition.
	if v.Kind == HoldsOnlyWhen {
		v.When = fmt.Sprintf("%d of %d decided conditions", len(v.Wins), len(v.Wins)+len(v.Losses)+len(v.Sames))
	}
	if v.Uncertain {
		v.Why = "within the noise at " + plural(len(v.Uncertains), "condition")
	}
	// Where REST is ahead is still worth naming when it fits.
	if s := sentence(v, dims, fallback, 1, true); len([]rune(s)) <= limit {
		return s
	}
	return sentence(v, dims, fallback, 0, false)
}

// sentence writes v naming at most n conditions per clause, and REST's
// side when rest is set.
func sentence(v Verdict, dims []string, fallback string, n int, rest bool) string {
	var s string
	switch v.Kind {
	case NoData:
		return "Not measured."
	case Inconclusive:
		switch {
		case len(v.Uncertains) > 0:
			s = "Inconclusive: every difference is within the noise (" + v.Uncertains[0].Why + ")"
		case len(v.Unclears) > 0:
			s = "Inconclusive: " + v.Unclears[0].Why
		default:
			s = "Inconclusive"
		}
		return s + "."
	case Holds:
		s = "Holds at every condition measured (gRPC " + gainPhrase(v.Wins, false, fallback) + ")"
	case HoldsOnlyWhen:
		where := "for " + v.When
		if n == 0 {
			where = "at " + v.When
		}
		if except, ok := strings.CutPrefix(v.When, "all but "); ok && len(v.Sames) == 0 && len(v.Losses) > 0 {
			// The exception is where REST wins: say so there, not after.
			s = "Holds everywhere except with " + except + " (gRPC " + gainPhrase(v.Wins, false, fallback) + " elsewhere); there REST is ahead (" + gainPhrase(v.Losses, true, fallback) + ")"
			break
		} else if ok {
			where = "everywhere except with " + except
		}
		s = "Holds " + where + " (gRPC " + gainPhrase(v.Wins, false, fallback) + ")"
		switch {
		case len(v.Losses) > 0 && rest:
			s += "; " + restAhead(v, dims, fallback, n)
		case len(v.Losses) > 0:
			s += "; REST is ahead at " + plural(len(v.Losses), "other condition")
		case len(v.Sames) > 0:
			s += "; elsewhere no difference that matters"
		}
	case DoesNotHold:
		if len(v.Losses) == 0 {
			s = "Does not hold: no difference that matters at any condition measured"
			break
		}
		s = "Does not hold: " + restAhead(v, dims, fallback, n)
		if len(v.Sames) > 0 {
			s += ", elsewhere no difference"
		}
	}
	if v.Uncertain {
		s = "Uncertain, " + v.Why + "; where decided it " + strings.ToLower(s[:1]) + s[1:]
	}
	return s + "."
}

// restAhead is the clause of the conditions where REST wins, named
// against every other condition (the uncertain ones too, so that a loss
// among noisy conditions still says where it is).
func restAhead(v Verdict, dims []string, fallback string, n int) string {
	where := Describe(v.Losses, append(append(append([]Comparison(nil), v.Wins...), v.Sames...), v.Uncertains...), dims, n)
	if where != "" {
		where = "with " + where + " "
	}
	return fmt.Sprintf("%sREST is ahead (%s)", where, gainPhrase(v.Losses, true, fallback))
}
