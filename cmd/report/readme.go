package main

import (
	"bytes"
	"fmt"
	"os"
)

// The README's headline lies between these markers; make report rewrites
// it so that the README's figures are always those of results/.
const (
	headlineStart = "<!-- headline:start -->"
	headlineEnd   = "<!-- headline:end -->"
)

// updateReadme replaces the headline of the README at path with the
// measured table.
func updateReadme(path, reportPath, profile, table string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	headline := fmt.Sprintf("The article's table, measured by `make report` (profile %s) and copied here by it from\n[%s](%s), which gives the method, every condition and the caveats:\n\n%s",
		profile, reportPath, reportPath, table)
	b, err := spliceHeadline(old, headline)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, b, 0o644)
}

// spliceHeadline puts text between the headline markers of doc.
func spliceHeadline(doc []byte, text string) ([]byte, error) {
	i := bytes.Index(doc, []byte(headlineStart))
	j := bytes.Index(doc, []byte(headlineEnd))
	if i < 0 || j < i {
		return nil, fmt.Errorf("no %s … %s markers", headlineStart, headlineEnd)
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(headlineStart)])
	out.WriteString("\n" + text)
	if text != "" && text[len(text)-1] != '\n' {
		out.WriteByte('\n')
	}
	out.Write(doc[j:])
	return out.Bytes(), nil
}
