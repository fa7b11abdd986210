package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	pb "google.golang.org/grpc/interop/grpc_testing"

	"restvsgrpc/bench/scenarios"
)

// writeQPS reads the result files of grpc's qps_json_driver named by
// paths and writes them as raw/qps.txt, for the report to read with the
// other raw files. A directory contributes every .json file in it that is
// a result of a scenario of ours; others are named and skipped, as grpc's
// stock scenarios are. A file named by itself must be one.
func writeQPS(paths []string, rawDir string, stdout io.Writer) error {
	var rs []*pb.ScenarioResult
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("-qps-results: %w", err)
		}
		files, dir := []string{p}, st.IsDir()
		if dir {
			if files, err = filepath.Glob(filepath.Join(p, "*.json")); err != nil {
				return err
			}
			if len(files) == 0 {
				return fmt.Errorf("-qps-results: no .json files in %s", p)
			}
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("-qps-results: %w", err)
			}
			r, err := scenarios.ReadResult(b)
			if err == nil {
				_, err = scenarios.Result(r)
			}
			switch {
			case err != nil && dir:
				fmt.Fprintf(stdout, "report: skipped %s: %v\n", f, err)
			case err != nil:
				return fmt.Errorf("-qps-results %s: %w", f, err)
			default:
				rs = append(rs, r)
			}
		}
	}
	if len(rs) == 0 {
		return fmt.Errorf("-qps-results %v: no result of a scenario of ours", paths)
	}
	var buf bytes.Buffer
	if err := scenarios.WriteBench(&buf, rs); err != nil {
		return err
	}
	if err := os.MkdirAll(rawDir, 0o755); err != nil {
		return err
	}
	out := filepath.Join(rawDir, "qps.txt")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s from %d driver results\n", out, len(rs))
	return nil
}
