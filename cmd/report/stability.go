package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"restvsgrpc/internal/report"
)

// rowVerdict is one row's verdict in verdicts.json: the key two runs must
// agree on (category, deciding conditions, uncertain or not) and the
// sentence the table quotes.
type rowVerdict struct {
	Row      string `json:"row"`
	Key      string `json:"key"`
	Sentence string `json:"sentence"`
}

func writeVerdicts(path string, rep *report.Report) error {
	var vs []rowVerdict
	for _, row := range report.Rows {
		v := rep.Verdicts[row]
		vs = append(vs, rowVerdict{Row: row, Key: v.Key(), Sentence: v.String()})
	}
	b, err := json.MarshalIndent(vs, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func readVerdicts(dir string) (map[string]rowVerdict, error) {
	b, err := os.ReadFile(filepath.Join(dir, "verdicts.json"))
	if err != nil {
		return nil, fmt.Errorf("%w (render %s first)", err, dir)
	}
	var vs []rowVerdict
	if err := json.Unmarshal(b, &vs); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "verdicts.json"), err)
	}
	out := map[string]rowVerdict{}
	for _, v := range vs {
		out[v.Row] = v
	}
	return out, nil
}

// compareVerdicts prints each row's verdict in the two output directories
// a and b and fails when any differs in category or deciding conditions.
func compareVerdicts(a, b string, stdout io.Writer) error {
	va, err := readVerdicts(a)
	if err != nil {
		return err
	}
	vb, err := readVerdicts(b)
	if err != nil {
		return err
	}
	differ := 0
	for _, row := range report.Rows {
		x, y := va[row], vb[row]
		if x.Key == y.Key {
			if x.Key == "uncertain" {
				fmt.Fprintf(stdout, "same     %-17s uncertain in both (the noise decides it)\n", row+":")
			} else {
				fmt.Fprintf(stdout, "same     %-17s %s\n", row+":", x.Key)
			}
			continue
		}
		differ++
		fmt.Fprintf(stdout, "DIFFERS  %-17s\n  %s: %s\n  %s: %s\n", row+":", a, x.Sentence, b, y.Sentence)
	}
	if differ > 0 {
		return fmt.Errorf("%d of %d verdicts differ between %s and %s", differ, len(report.Rows), a, b)
	}
	fmt.Fprintf(stdout, "all %d verdicts agree\n", len(report.Rows))
	return nil
}

// stability measures the profile twice (or with -skip-run re-renders the
// two runs already there), into <out>/stability-1 and -2, and compares
// their verdicts.
func stability(ctx context.Context, o options, stdout, stderr io.Writer) error {
	var dirs []string
	for i := 1; i <= 2; i++ {
		run := o
		run.stability, run.readme = false, ""
		run.out = filepath.Join(o.out, fmt.Sprintf("stability-%d", i))
		dirs = append(dirs, run.out)
		fmt.Fprintf(stdout, "stability run %d of 2 into %s\n", i, run.out)
		if err := os.MkdirAll(run.out, 0o755); err != nil {
			return err
		}
		if err := run1(ctx, run, stdout, stderr); err != nil {
			return err
		}
	}
	return compareVerdicts(dirs[0], dirs[1], stdout)
}
