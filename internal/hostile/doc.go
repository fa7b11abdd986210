// Package hostile is a small kit of clients that misbehave on purpose, for
// tests that attack the project's own servers the way a hostile client
// would: raw HTTP/2 frames written with golang.org/x/net/http2's Framer and
// hpack (H2), raw HTTP/1.1 over TCP (H1), and a raw WebSocket handshake and
// frames (WS). Every client talks to loopback only (Dial refuses any other
// address), and every read is bounded in time; what a probe sends is
// bounded by the probe itself.
//
// A probe is a test in package hostile_test (probe_test.go): it starts both
// servers on loopback, attacks one, and then Recovered checks that the
// server came back: a normal login still works and the server's goroutines
// and heap return near their level before the probe. Probes run in a short
// form under go test; with the -redteam flag (make redteam) they run at the
// scale of the attacks in the issue that asked for them.
//
// To add a probe, write a test that builds its attack from these clients,
// bounds it with a deadline, asserts what the server must answer, and
// calls Recovered at its end.
package hostile
