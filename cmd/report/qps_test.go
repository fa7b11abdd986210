package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// qpsDir holds real results of grpc's qps_json_driver (see
// internal/report's TestGoldenQPSReport): twelve of our scenarios and one
// stock one.
var qpsDir = filepath.Join("..", "..", "internal", "report", "testdata", "qps")

// TestQPSResults renders a REPORT.md from a directory of driver results,
// skipping the stock scenario's and saying so.
func TestQPSResults(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-qps-results", qpsDir, "-out", dir}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"skipped " + filepath.Join(qpsDir, "netns-restvsgrpc_stock_unary-1.json"), "from 12 driver results", "REPORT.md"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "12 runs of grpc's qps_json_driver") || !strings.Contains(string(md), "qps.txt") {
		t.Errorf("REPORT.md does not render the driver's runs:\n%s", md)
	}
}

// TestQPSResultsRefused names the file and why: a stock scenario's
// result named by itself, a file that is no result, a missing one.
func TestQPSResultsRefused(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk.json")
	if err := os.WriteFile(junk, []byte(`{"scenario": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ arg, want string }{
		{filepath.Join(qpsDir, "netns-restvsgrpc_stock_unary-1.json"), "BenchmarkService"},
		{junk, "not a ScenarioResult"},
		{filepath.Join(t.TempDir(), "none.json"), "no such file"},
	} {
		dir := t.TempDir()
		err := run(context.Background(), []string{"-qps-results", tt.arg, "-out", dir}, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("-qps-results %s: %v, want an error saying %q", tt.arg, err, tt.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "raw", "qps.txt")); err == nil {
			t.Errorf("-qps-results %s wrote qps.txt", tt.arg)
		}
	}
}
