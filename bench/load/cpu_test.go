package load

import (
	"testing"
	"time"
)

func TestParsePIDStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		stat string
		want time.Duration
	}{
		{"plain", "1234 (server) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 8 0 100 1000000 300 18446744073709551615", 300 * clockTick},
		{"name with spaces and parens", "77 (my (odd) server) R 1 77 77 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 1 1", 10 * clockTick},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parsePIDStat([]byte(tc.stat))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("cpu = %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 3 0"} {
		if _, err := parsePIDStat([]byte(bad)); err == nil {
			t.Errorf("parsePIDStat(%q) succeeded", bad)
		}
	}
}

func TestParseSteal(t *testing.T) {
	t.Parallel()
	stat := "cpu  4705 150 1120 16250 520 0 30 95 0 0\ncpu0 2000 75 500 8000 260 0 15 50 0 0\nintr 1\n"
	got, err := parseSteal([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	if want := 95 * clockTick; got != want {
		t.Errorf("steal = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "cpu 1 2 3\n", "intr 5\n"} {
		if _, err := parseSteal([]byte(bad)); err == nil {
			t.Errorf("parseSteal(%q) succeeded", bad)
		}
	}
}

func TestAllowedCPUs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status string
		want   int
	}{
		{"range", "Name:\tserver\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n", 2},
		{"one pinned CPU", "Cpus_allowed_list:\t1\n", 1},
		{"ranges and singles", "Cpus_allowed_list:\t0-3,6,8-9\n", 7},
		{"missing", "Name:\tserver\n", 0},
		{"garbled", "Cpus_allowed_list:\t3-1\n", 0},
	} {
		if got := allowedCPUs([]byte(tc.status)); got != tc.want {
			t.Errorf("%s: allowedCPUs = %d, want %d", tc.name, got, tc.want)
		}
	}
}
