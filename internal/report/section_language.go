package report

import (
	"fmt"
	"slices"
	"strings"
)

// callKinds are the four call kinds, in the report's order.
var callKinds = []string{"unary", "server-stream", "client-stream", "bidi"}

// complete reports whether a client completed every call kind.
func (c InteropClient) complete() bool {
	for _, k := range callKinds {
		if !c.Kinds[k] {
			return false
		}
	}
	return true
}

func (c InteropClient) done() int {
	n := 0
	for _, k := range callKinds {
		if c.Kinds[k] {
			n++
		}
	}
	return n
}

// LanguageVerdict applies the rule of the Language support row: the claim
// (gRPC's support is the better one) holds for a language where its gRPC
// client completes every call kind and its REST client does not, and does
// not hold where both do.
func LanguageVerdict(in *Interop) Verdict {
	if in == nil || len(in.Clients) == 0 {
		return Verdict{Kind: NoData}
	}
	langs := map[string]map[string]InteropClient{}
	var order []string
	for _, c := range in.Clients {
		if c.Skipped != "" {
			continue // not run here: no verdict either way
		}
		if langs[c.Language] == nil {
			langs[c.Language] = map[string]InteropClient{}
			order = append(order, c.Language)
		}
		langs[c.Language][c.Transport] = c
	}
	var better, equal, worse []string
	for _, l := range order {
		g, gok := langs[l]["grpc"]
		r, rok := langs[l]["rest"]
		switch {
		case !gok || !rok:
		case g.complete() && !r.complete():
			better = append(better, l)
		case g.complete() == r.complete() && g.done() == r.done():
			equal = append(equal, l)
		case !g.complete() && r.done() > g.done():
			worse = append(worse, l)
		}
	}
	switch {
	case len(better) > 0 && len(equal)+len(worse) == 0:
		return Verdict{Kind: Holds, Sentence: "Holds: only the gRPC client completed every call kind in " + orList(better) + "."}
	case len(better) > 0:
		return Verdict{Kind: HoldsOnlyWhen, When: orList(better), Sentence: "Holds for " + orList(better) + "; not for " + orList(append(equal, worse...)) + "."}
	case len(equal)+len(worse) == 0:
		return Verdict{Kind: Inconclusive, Sentence: "Inconclusive: no language ran both a gRPC and a REST client."}
	}
	s := "Does not hold: in " + orList(append(equal, worse...)) + " both clients completed the same call kinds"
	if len(equal) > 0 {
		l := langs[equal[0]]
		if l["grpc"].complete() {
			var short []string
			for _, e := range equal {
				short = append(short, shortLanguage(e))
			}
			s = "Does not hold: in " + orList(short) + fmt.Sprintf(" both clients completed all four call kinds; gRPC needed %s, REST %s", needs(l["grpc"]), needs(l["rest"]))
		}
	}
	return Verdict{Kind: DoesNotHold, Sentence: s + "."}
}

// needs says what a client needed, briefly: "2 libraries and stubs loaded
// at run time".
func needs(c InteropClient) string {
	libs := "no library"
	if len(c.Libraries) > 0 {
		libs = strings.Replace(plural(len(c.Libraries), "library"), "librarys", "libraries", 1)
	}
	switch {
	case strings.Contains(c.Stubs, "hand-written"):
		return libs + " but hand-written calls"
	case strings.Contains(c.Stubs, "run time"):
		return libs + " and stubs loaded at run time"
	case strings.Contains(c.Stubs, "generated"):
		return libs + " and generated stubs"
	}
	return libs
}

func (b *builder) language() (row, string) {
	r := row{name: "Language support", claim: "Good → Excellent (clients in other languages)"}
	var sec strings.Builder
	sec.WriteString("## Language support\n\n")
	in := b.cfg.interop
	switch {
	case in == nil:
		why := "no cross-language result was given"
		if b.cfg.interopErr != nil {
			why = b.cfg.interopErr.Error()
		}
		r.measured = "not measured: " + why
		r.verdict = Verdict{Kind: NoData, Sentence: "Not measured."}
		fmt.Fprintf(&sec, "Not measured: %s.\n\n", why)
		return r, sec.String()
	case in.Skipped != "":
		r.measured = "not measured: " + in.Skipped
		r.verdict = Verdict{Kind: NoData, Sentence: "Not measured."}
		fmt.Fprintf(&sec, "`%s` did not run its clients: %s.\n\n", in.MeasuredBy, in.Skipped)
		return r, sec.String()
	}
	r.verdict = LanguageVerdict(in)
	fmt.Fprintf(&sec, "From `%s`: a client in another language, written with its ecosystem's standard stack, makes every kind of call against the real Go servers on loopback; a call kind counts as completed when every answer matches what the Go core returns for the same call.\n\n", in.MeasuredBy)
	sec.WriteString("| language | transport | libraries | how calls are made | runtime flags | unary | server stream | client stream | bidi |\n|---|---|---|---|---|---|---|---|---|\n")
	var parts []string
	for _, c := range in.Clients {
		libs := "none (built into the runtime)"
		if len(c.Libraries) > 0 {
			libs = strings.Join(c.Libraries, ", ")
		}
		flags := "none"
		if len(c.Flags) > 0 {
			flags = strings.Join(c.Flags, " ")
		}
		cells := []string{c.Language, c.Transport, libs, c.Stubs, flags}
		for _, k := range callKinds {
			cells = append(cells, map[bool]string{true: "completed", false: "failed"}[c.Kinds[k]])
		}
		sec.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	sec.WriteString("\n")
	// The measured cell: per language, call kinds completed and libraries
	// needed on each transport; the table above has the rest.
	var langs []string
	per := map[string][]string{}
	for _, c := range in.Clients {
		l := shortLanguage(c.Language)
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
		libs := "no library"
		if len(c.Libraries) > 0 {
			libs = strings.Replace(plural(len(c.Libraries), "library"), "librarys", "libraries", 1)
		}
		per[l] = append(per[l], fmt.Sprintf("%s %d/4 (%s)", transportName(c.Transport), c.done(), libs))
	}
	for _, l := range langs {
		parts = append(parts, l+" "+strings.Join(per[l], ", "))
	}
	r.measured = "call kinds completed: " + strings.Join(parts, "; ")
	return r, sec.String()
}

// shortLanguage drops the runtime version: "JavaScript (Node.js v20)" → "JavaScript".
func shortLanguage(l string) string {
	name, _, _ := strings.Cut(l, " (")
	if f := strings.Fields(name); len(f) > 1 && strings.ContainsAny(f[len(f)-1], "0123456789") {
		name = strings.Join(f[:len(f)-1], " ")
	}
	return name
}

func transportName(t string) string {
	if t == "grpc" {
		return "gRPC"
	}
	return "REST"
}
