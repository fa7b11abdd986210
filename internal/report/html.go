package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// HTML renders REPORT.md as one self-contained page: the same text, every
// figure inline as SVG, no script and nothing fetched from anywhere.
func (r *Report) HTML() []byte {
	plots := map[string][]byte{}
	for _, p := range r.Plots {
		plots[p.File] = p.SVG
	}
	var b bytes.Buffer
	title := "REPORT"
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	lines := strings.Split(string(r.Markdown), "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "# ") {
		title = lines[0][2:]
	}
	fmt.Fprintf(&b, "<title>%s</title>\n<style>%s</style></head><body>\n", esc(title), pageStyle)
	var para []string
	flush := func() {
		if len(para) > 0 {
			fmt.Fprintf(&b, "<p>%s</p>\n", inline(strings.Join(para, " ")))
			para = nil
		}
	}
	table, list := 0, 0
	closeList := func() {
		for ; list > 0; list-- {
			b.WriteString("</ul>\n")
		}
	}
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "|"):
			flush()
			closeList()
			cells := strings.Split(strings.Trim(l, "|"), " | ")
			if strings.HasPrefix(l, "|---") {
				continue
			}
			tag := "td"
			if table == 0 {
				id := ""
				if strings.HasPrefix(l, "| Row |") {
					id = ` id="headline"`
				}
				fmt.Fprintf(&b, "<table%s>\n", id)
				tag = "th"
			}
			table++
			b.WriteString("<tr>")
			for _, c := range cells {
				fmt.Fprintf(&b, "<%s>%s</%s>", tag, inline(strings.TrimSpace(strings.ReplaceAll(c, `\|`, "|"))), tag)
			}
			b.WriteString("</tr>\n")
			continue
		case table > 0:
			b.WriteString("</table>\n")
			table = 0
		}
		switch {
		case strings.HasPrefix(l, "#"):
			flush()
			closeList()
			n := len(l) - len(strings.TrimLeft(l, "#"))
			fmt.Fprintf(&b, "<h%d>%s</h%d>\n", n, inline(strings.TrimSpace(l[n:])), n)
		case strings.HasPrefix(l, "!["):
			flush()
			closeList()
			if m := imageRE.FindStringSubmatch(l); m != nil && plots[m[2]] != nil {
				fmt.Fprintf(&b, "<figure>%s</figure>\n", svgBody(plots[m[2]]))
			}
		case strings.HasPrefix(strings.TrimLeft(l, " "), "- "):
			flush()
			depth := (len(l)-len(strings.TrimLeft(l, " ")))/2 + 1
			for ; list < depth; list++ {
				b.WriteString("<ul>\n")
			}
			for ; list > depth; list-- {
				b.WriteString("</ul>\n")
			}
			fmt.Fprintf(&b, "<li>%s</li>\n", inline(strings.TrimSpace(l)[2:]))
		case strings.TrimSpace(l) == "":
			flush()
			closeList()
		default:
			para = append(para, l)
		}
	}
	flush()
	closeList()
	if table > 0 {
		b.WriteString("</table>\n")
	}
	b.WriteString("</body></html>\n")
	return b.Bytes()
}

var (
	imageRE  = regexp.MustCompile(`^!\[([^\]]*)\]\(([^)]+)\)`)
	boldRE   = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	italicRE = regexp.MustCompile(`\*([^*]+)\*`)
	codeRE   = regexp.MustCompile("`([^`]+)`")
	linkRE   = regexp.MustCompile(`\[([^\]]+)\]\(([^)]+)\)`)
)

// inline renders the Markdown the report writes within a line: bold,
// italics, code and links, after escaping.
func inline(s string) string {
	s = esc(s)
	s = codeRE.ReplaceAllString(s, "<code>$1</code>")
	s = boldRE.ReplaceAllString(s, "<strong>$1</strong>")
	s = italicRE.ReplaceAllString(s, "<em>$1</em>")
	return linkRE.ReplaceAllString(s, `<a href="$2">$1</a>`)
}

// svgBody is an SVG file without anything before its root element, for
// inlining.
func svgBody(svg []byte) []byte {
	if i := bytes.Index(svg, []byte("<svg")); i > 0 {
		return svg[i:]
	}
	return svg
}

const pageStyle = `body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f3f3f3}#headline td:nth-child(4){font-weight:600}figure{margin:1em 0}figure svg{max-width:100%;height:auto}
code{background:#f3f3f3;padding:0 3px}`
