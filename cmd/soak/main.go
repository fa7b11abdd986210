// Command soak runs the server binary under a steady, moderate load of
// every call kind over every variant for a set time, sampling the server's
// resident memory, goroutines and open file descriptors every few seconds.
// It fails if a call fails or a call kind completes none, if the server
// does not stop cleanly, or if any sample grows without bound: the mean of
// the last third of the samples may not exceed the mean of the first third
// by more than a factor plus an absolute slack. It prints the samples as a
// table.
//
//	go build -o bin/server ./cmd/server
//	go run ./cmd/soak -server bin/server -duration 5m
//
// Exit status: 0 when the soak passed, 2 for bad flags, 1 otherwise, with
// a one-line message.
package main

import "restvsgrpc/internal/cli"

func main() { cli.Main("soak", run) }
