// Package cli holds what a command of this module does the same way as
// every other: flags parsed on a FlagSet with -help on stdout, usage
// errors (exit status 2) told apart from failures (exit status 1), and
// every error reported in one line. A command's main is
//
//	func main() { cli.Main("name", run) }
//
// with run(ctx, args, stdout, stderr) error the testable whole command.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// UsageError is a mistake in the command line: exit status 2.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error { return UsageError{fmt.Errorf(format, args...)} }

// Parse parses args on fs, whose output it silences: errors are reported
// once, by ExitCode. -help prints header and the flags on stdout and
// returns flag.ErrHelp; a bad flag or a stray argument returns a
// UsageError.
func Parse(fs *flag.FlagSet, header string, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), header)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return err
		}
		return UsageError{err}
	}
	if fs.NArg() > 0 {
		return Usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// Status returns the exit status for err: 0 for nil or -help, 2 for a
// UsageError, 1 otherwise.
func Status(err error) int {
	var uerr UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &uerr):
		return 2
	default:
		return 1
	}
}

// ExitCode reports err in one line on stderr, prefixed by the command's
// name, and returns its Status.
func ExitCode(name string, err error, stderr io.Writer) int {
	code := Status(err)
	switch code {
	case 2:
		fmt.Fprintf(stderr, "%s: %v (run with -help for usage)\n", name, err)
	case 1:
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
	}
	return code
}

// Run calls run with the process's arguments, stdout and stderr and a
// context that ends on SIGINT or SIGTERM, and returns its error. Main is
// Run and ExitCode; a command that reports errors its own way calls Run
// and Status.
func Run(run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

// Main runs run with a context that ends on SIGINT or SIGTERM and exits
// with its status.
func Main(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	os.Exit(ExitCode(name, Run(run), os.Stderr))
}
