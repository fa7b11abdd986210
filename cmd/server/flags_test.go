package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"

	"restvsgrpc/internal/cli"
)

func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{name: "unknown flag", args: []string{"-nope"}, want: "flag provided but not defined: -nope"},
		{name: "bad duration", args: []string{"-work", "fast"}, want: "-work"},
		{name: "user without password", args: []string{"-user", "alice"}, want: "name:password"},
		{name: "stray argument", args: []string{"serve"}, want: `unexpected argument "serve"`},
		{name: "cert without key", args: []string{"-cert", "c.pem"}, want: "-cert and -key"},
		{name: "h2c with tls", args: []string{"-tls", "-h2c"}, want: "-h2c"},
		{name: "h2 without tls", args: []string{"-h2"}, want: "-h2 needs -tls"},
		{name: "nothing to serve", args: []string{"-rest-addr", "", "-grpc-addr", ""}, want: "nothing to serve"},
		{name: "bcrypt cost too low", args: []string{"-bcrypt-cost", "1"}, want: "-bcrypt-cost 1"},
		{name: "negative work", args: []string{"-work", "-1ms"}, want: "-work"},
		{name: "header limit too small", args: []string{"-max-header-bytes", "4095"}, want: "-max-header-bytes 4095"},
		{name: "negative open files", args: []string{"-open-files", "-1"}, want: "-open-files -1"},
		{name: "no streams", args: []string{"-max-streams", "0"}, want: "-max-streams 0"},
		{name: "no stall timeout", args: []string{"-stall-timeout", "0s"}, want: "-stall-timeout"},
		{name: "negative send budget", args: []string{"-send-budget", "-1"}, want: "-send-budget"},
		{name: "negative conns per addr", args: []string{"-max-conns-per-addr", "-1"}, want: "-max-conns-per-addr"},
		{name: "negative recv timeout", args: []string{"-grpc-recv-timeout", "-1s"}, want: "-grpc-recv-timeout"},
		{name: "negative unary timeout", args: []string{"-unary-timeout", "-1s"}, want: "-unary-timeout"},
		{name: "negative login queue", args: []string{"-login-queue", "-1"}, want: "-login-queue"},
		{name: "login rate without interval", args: []string{"-login-user-every", "0"}, want: "-login-user-every 0s"},
		{name: "login rate, nothing tracked", args: []string{"-login-tracked", "0"}, want: "-login-tracked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			var uerr cli.UsageError
			if !errors.As(err, &uerr) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%q) = %v, want a usage error about %q", tt.args, err, tt.want)
			}
			var msg bytes.Buffer
			if code := cli.ExitCode("server", err, &msg); code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			if lines := strings.Count(msg.String(), "\n"); lines != 1 || stdout.Len()+stderr.Len() != 0 {
				t.Errorf("printed %q on stderr (%d lines) and %q/%q from run; want one line from main only", msg.String(), lines, stdout.String(), stderr.String())
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-help"}, &stdout, &stderr)
	if !errors.Is(err, flag.ErrHelp) || cli.ExitCode("server", err, &stderr) != 0 {
		t.Fatalf("run(-help) = %v, want flag.ErrHelp and exit status 0", err)
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "Usage: server [flags]") {
		t.Errorf("help does not start with a usage header:\n%s", out)
	}
	for _, f := range []string{"rest-addr", "grpc-addr", "user", "tls", "cert", "key", "write-cert", "h2", "h2c", "seed", "work", "bcrypt-cost", "token-key-file", "token-ttl", "max-upload", "grace", "ready-file",
		"login-concurrency", "login-queue", "login-user-burst", "login-user-every", "login-addr-burst", "login-addr-every", "login-tracked"} {
		if !strings.Contains(out, "\n  -"+f+" ") && !strings.Contains(out, "\n  -"+f+"\n") {
			t.Errorf("help does not explain -%s", f)
		}
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q, want nothing", stderr.String())
	}
}
