package core

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// Limits of the chat service.
const (
	MaxRoomLen     = 64
	MaxChatText    = 4096
	MaxRoomMembers = 1024
	// chatOutbox is how many events may wait for a member's connection.
	// A member that falls this far behind is dropped rather than letting
	// the room buffer without bound.
	chatOutbox = 256
)

// ChatMessage is what a member sends.
type ChatMessage struct {
	Room string `json:"room"`
	Seq  uint64 `json:"seq"`
	Text string `json:"text"`
}

// EventKind says whether a ChatEvent acknowledges the member's own message
// or delivers someone else's.
type EventKind string

// The kinds of chat events.
const (
	EventAck     EventKind = "ack"
	EventMessage EventKind = "message"
)

// ChatEvent is what a member receives.
type ChatEvent struct {
	Kind   EventKind `json:"kind"`
	Room   string    `json:"room"`
	Seq    uint64    `json:"seq"`
	From   string    `json:"from"`
	Text   string    `json:"text,omitempty"`
	SentAt time.Time `json:"sent_at"`
}

type rooms struct {
	mu sync.Mutex
	m  map[string]*room
}

type room struct {
	mu      sync.Mutex // guards members; taken after rooms.mu
	name    string
	members map[*member]struct{}
}

type member struct {
	name   string
	out    chan ChatEvent
	gone   chan struct{} // closed when the member is dropped for being slow
	once   sync.Once
	cancel context.CancelCauseFunc // ends the member's session
}

// drop ends a member that fell behind at once, whatever its goroutines are
// blocked in: the session's context passed to recv and send is cancelled.
func (m *member) drop() {
	m.once.Do(func() {
		close(m.gone)
		m.cancel(errTooSlow)
	})
}

var errTooSlow = Errorf(CodeTooLarge, "chat member fell too far behind and was dropped")

// Chat runs one member's session. recv returns the member's next message
// (io.EOF when it has no more); send delivers an event to it. Both get the
// session's context, which ends when the member is dropped for falling
// behind: a transport must stop a blocked read or write when it does, or
// the dropped member's connection and goroutines stay. The room is
// named by the first message and may not change. Every message is
// acknowledged to its sender with its seq echoed, and delivered to the
// room's other members. Chat returns nil when recv reports io.EOF and
// every event due to this member has been sent.
func (s *Service) Chat(ctx context.Context, who string,
	recv func(context.Context) (ChatMessage, error), send func(context.Context, ChatEvent) error,
) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	first, err := recv(ctx)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
	if err := checkChat(first, first.Room); err != nil {
		return err
	}
	me := &member{name: who, out: make(chan ChatEvent, chatOutbox), gone: make(chan struct{}), cancel: cancel}
	r, err := s.rooms.join(first.Room, me)
	if err != nil {
		return err
	}

	writerDone := make(chan error, 1)
	go func() {
		writerDone <- func() error {
			for {
				select {
				case ev, ok := <-me.out:
					if !ok {
						return nil
					}
					if err := send(ctx, ev); err != nil {
						cancel(err)
						return err
					}
				case <-me.gone:
					cancel(errTooSlow)
					return errTooSlow
				case <-ctx.Done():
					return context.Cause(ctx)
				}
			}
		}()
	}()

	readErr := func() error {
		msg := first
		for {
			s.work.do()
			if err := s.rooms.post(ctx, r, me, msg); err != nil {
				return err
			}
			var err error
			msg, err = recv(ctx)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := checkChat(msg, r.name); err != nil {
				return err
			}
		}
	}()

	// After leaving, no one else writes to me.out, so it can be closed and
	// the writer drains what is left.
	s.rooms.leave(r, me)
	close(me.out)
	writeErr := <-writerDone
	if readErr != nil {
		if c := context.Cause(ctx); c != nil && ctx.Err() != nil && !errors.Is(c, context.Canceled) {
			return c
		}
		return readErr
	}
	return writeErr
}

func checkChat(m ChatMessage, room string) error {
	switch {
	case m.Room == "":
		return Errorf(CodeInvalidArgument, "room is required")
	case len(m.Room) > MaxRoomLen:
		return Errorf(CodeInvalidArgument, "room is longer than %d bytes", MaxRoomLen)
	case m.Room != room:
		return Errorf(CodeInvalidArgument, "room may not change within a session")
	case len(m.Text) > MaxChatText:
		return Errorf(CodeTooLarge, "message text is longer than %d bytes", MaxChatText)
	}
	return nil
}

func (rs *rooms) join(name string, m *member) (*room, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r := rs.m[name]
	if r == nil {
		r = &room{name: name, members: make(map[*member]struct{})}
		rs.m[name] = r
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.members) >= MaxRoomMembers {
		return nil, Errorf(CodeUnavailable, "room %q is full", name)
	}
	r.members[m] = struct{}{}
	return r, nil
}

func (rs *rooms) leave(r *room, m *member) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.members, m)
	if len(r.members) == 0 && rs.m[r.name] == r {
		delete(rs.m, r.name)
	}
}

// post acknowledges msg to its sender, waiting for room in the sender's own
// outbox (back-pressure on a sender that does not read its acks), and
// delivers it to the others without waiting: a member whose outbox is full
// is dropped.
func (rs *rooms) post(ctx context.Context, r *room, from *member, msg ChatMessage) error {
	now := time.Now().UTC()
	r.mu.Lock()
	for m := range r.members {
		if m == from {
			continue
		}
		select {
		case m.out <- ChatEvent{Kind: EventMessage, Room: r.name, Seq: msg.Seq, From: from.name, Text: msg.Text, SentAt: now}:
		default:
			m.drop()
		}
	}
	r.mu.Unlock()
	select {
	case from.out <- ChatEvent{Kind: EventAck, Room: r.name, Seq: msg.Seq, From: from.name, SentAt: now}:
		return nil
	case <-from.gone:
		return errTooSlow
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
