package core

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// Payload is a size class of transaction records. The class sets how many
// line items a record carries, so that a record of class "1KiB" is about
// 1 KiB in protobuf (and larger in JSON, whose field names repeat).
type Payload string

// The payload classes, smallest first.
const (
	Payload100B  Payload = "100B"
	Payload1KiB  Payload = "1KiB"
	Payload64KiB Payload = "64KiB"
	Payload1MiB  Payload = "1MiB"
)

// Payloads lists the classes, smallest first.
var Payloads = []Payload{Payload100B, Payload1KiB, Payload64KiB, Payload1MiB}

// classShape is how a class is built: its nominal size, records in the
// data set, line items and metadata entries per record.
type classShape struct {
	bytes     int
	records   int
	lineItems int
	metadata  int
}

var shapes = map[Payload]classShape{
	Payload100B:  {bytes: 100, records: 4096, lineItems: 0, metadata: 0},
	Payload1KiB:  {bytes: 1 << 10, records: 1024, lineItems: 25, metadata: 4},
	Payload64KiB: {bytes: 64 << 10, records: 64, lineItems: 1865, metadata: 8},
	Payload1MiB:  {bytes: 1 << 20, records: 16, lineItems: 29950, metadata: 8},
}

// Accounts is the number of accounts in the data set; record i belongs to
// AccountID(i % Accounts).
const Accounts = 16

// Limits of ListTransactions.
const (
	MaxListLimit    = 10_000_000
	MaxListInterval = time.Minute
	maxIDLen        = 64
)

// ParsePayload parses a class name; "" is the default class, 100B.
func ParsePayload(s string) (Payload, error) {
	if s == "" {
		return Payload100B, nil
	}
	p := Payload(s)
	if _, ok := shapes[p]; !ok {
		return "", Errorf(CodeInvalidArgument, "payload %q: want one of 100B, 1KiB, 64KiB, 1MiB", s)
	}
	return p, nil
}

// Bytes returns the class's nominal size: 100, 1024, 65536 or 1048576. It
// is the size of an upload chunk and of a chat text of the class; a record
// is about that size in protobuf.
func (p Payload) Bytes() int { return shapes[p].bytes }

// Records returns the number of records of class p in the data set.
func (p Payload) Records() int { return shapes[p].records }

// TransactionID returns the id of record i of class p; ids are stable for
// every seed, so a client can name records without listing them.
func TransactionID(p Payload, i int) string {
	return fmt.Sprintf("tx-%s-%06d", p, i)
}

// AccountID returns the id of account i.
func AccountID(i int) string { return fmt.Sprintf("acct-%04d", i) }

var accountIDs = func() (ids [Accounts]string) {
	for i := range ids {
		ids[i] = AccountID(i)
	}
	return ids
}()

// Status is the state of a transaction.
type Status string

// The statuses of a transaction.
const (
	StatusPending    Status = "pending"
	StatusAuthorized Status = "authorized"
	StatusSettled    Status = "settled"
	StatusDeclined   Status = "declined"
	StatusRefunded   Status = "refunded"
)

var statuses = []Status{StatusPending, StatusAuthorized, StatusSettled, StatusDeclined, StatusRefunded}

// Transaction is a ledger record. The JSON tags are those of the REST
// service, snake_case like the protobuf fields.
type Transaction struct {
	ID             string            `json:"id"`
	AccountID      string            `json:"account_id"`
	CounterpartyID string            `json:"counterparty_id"`
	AmountMinor    int64             `json:"amount_minor"`
	Currency       string            `json:"currency"`
	Status         Status            `json:"status"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	Description    string            `json:"description"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	LineItems      []LineItem        `json:"line_items,omitempty"`
}

// LineItem is one line of a transaction.
type LineItem struct {
	SKU             string `json:"sku"`
	Name            string `json:"name"`
	Quantity        int32  `json:"quantity"`
	UnitAmountMinor int64  `json:"unit_amount_minor"`
}

// ListRequest asks for an account's live feed.
type ListRequest struct {
	AccountID string
	Payload   string
	// Limit is the number of records to send, repeating the account's
	// records as needed; 0 sends each of them once.
	Limit int
	// Interval paces the feed; 0 sends as fast as the receiver reads.
	Interval time.Duration
}

// ledger is the deterministic data set. Each class is generated on first
// use, so tests that never ask for 1 MiB records never build them.
type ledger struct {
	seed    uint64
	classes map[Payload]*ledgerClass
}

type ledgerClass struct {
	once      sync.Once
	records   []*Transaction
	byAccount [Accounts][]*Transaction
}

func newLedger(seed uint64) *ledger {
	l := &ledger{seed: seed, classes: make(map[Payload]*ledgerClass, len(shapes))}
	for p := range shapes {
		l.classes[p] = new(ledgerClass)
	}
	return l
}

func (l *ledger) class(p Payload) *ledgerClass {
	c := l.classes[p]
	c.once.Do(func() {
		shape := shapes[p]
		c.records = make([]*Transaction, shape.records)
		for i := range c.records {
			t := generate(l.seed, p, i, shape)
			c.records[i] = t
			c.byAccount[i%Accounts] = append(c.byAccount[i%Accounts], t)
		}
	})
	return c
}

var (
	currencies   = []string{"USD", "EUR", "GBP", "JPY", "CHF"}
	merchants    = []string{"Corner Grocery", "City Transit", "Cloud Hosting Co", "Bookshop on Main", "Fuel Station 24", "Pharmacy Plus", "Airline Booking", "Coffee Roasters"}
	productWords = []string{"Widget", "Cable", "Adapter", "Notebook", "Battery", "Charger", "Sleeve", "Lamp", "Filter", "Bottle"}
	metaKeys     = []string{"channel", "mcc", "terminal_id", "country", "card_last4", "risk_score", "auth_code", "batch"}
	ledgerEpoch  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// generate builds record i of class p from the seed alone, so every process
// with the same seed serves the same data.
func generate(seed uint64, p Payload, i int, shape classShape) *Transaction {
	r := rand.New(rand.NewPCG(seed, uint64(len(p))<<32|uint64(i)))
	created := ledgerEpoch.Add(time.Duration(i) * time.Minute).Add(time.Duration(r.IntN(60_000)) * time.Millisecond)
	t := &Transaction{
		ID:             TransactionID(p, i),
		AccountID:      AccountID(i % Accounts),
		CounterpartyID: AccountID(r.IntN(Accounts*64) + Accounts),
		AmountMinor:    int64(r.IntN(500_000) + 1),
		Currency:       currencies[r.IntN(len(currencies))],
		Status:         statuses[r.IntN(len(statuses))],
		CreatedAt:      created,
		UpdatedAt:      created.Add(time.Duration(r.IntN(3_600_000)) * time.Millisecond),
		Description:    merchants[r.IntN(len(merchants))],
	}
	if shape.metadata > 0 {
		t.Metadata = make(map[string]string, shape.metadata)
		for k := 0; k < shape.metadata; k++ {
			t.Metadata[metaKeys[k]] = strconv.Itoa(r.IntN(1_000_000))
		}
	}
	if shape.lineItems > 0 {
		t.LineItems = make([]LineItem, shape.lineItems)
		for k := range t.LineItems {
			t.LineItems[k] = LineItem{
				SKU:             fmt.Sprintf("SKU-%06d", r.IntN(1_000_000)),
				Name:            productWords[r.IntN(len(productWords))] + " " + productWords[r.IntN(len(productWords))],
				Quantity:        int32(r.IntN(9) + 1),
				UnitAmountMinor: int64(r.IntN(50_000) + 1),
			}
		}
	}
	return t
}

// GetTransaction returns the record with the given id.
func (s *Service) GetTransaction(ctx context.Context, id string) (*Transaction, error) {
	p, i, err := parseTransactionID(id)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := s.ledger.class(p)
	if i >= len(c.records) {
		return nil, Errorf(CodeNotFound, "transaction %q not found", id)
	}
	s.work.do()
	return c.records[i], nil
}

// txPrefixes[k] is "tx-<Payloads[k]>-", the prefix of TransactionID's ids
// of that class, built once rather than on every GetTransaction.
var txPrefixes = func() []string {
	ps := make([]string, len(Payloads))
	for k, p := range Payloads {
		ps[k] = "tx-" + string(p) + "-"
	}
	return ps
}()

func parseTransactionID(id string) (Payload, int, error) {
	if id == "" {
		return "", 0, Errorf(CodeInvalidArgument, "transaction id is required")
	}
	if len(id) > maxIDLen {
		return "", 0, Errorf(CodeInvalidArgument, "transaction id is longer than %d bytes", maxIDLen)
	}
	for k, prefix := range txPrefixes {
		if len(id) == len(prefix)+6 && id[:len(prefix)] == prefix {
			if i, ok := digits(id[len(prefix):]); ok {
				return Payloads[k], i, nil
			}
		}
	}
	return "", 0, Errorf(CodeNotFound, "transaction %q not found", id)
}

// ListTransactions sends an account's records of one payload class to send,
// in order, until the limit is reached, ctx ends or send fails. Work is
// added per message.
func (s *Service) ListTransactions(ctx context.Context, req ListRequest, send func(*Transaction) error) error {
	p, err := ParsePayload(req.Payload)
	if err != nil {
		return err
	}
	acct, err := parseAccountID(req.AccountID)
	if err != nil {
		return err
	}
	if req.Limit < 0 || req.Limit > MaxListLimit {
		return Errorf(CodeInvalidArgument, "limit %d: want 0 to %d", req.Limit, MaxListLimit)
	}
	if req.Interval < 0 || req.Interval > MaxListInterval {
		return Errorf(CodeInvalidArgument, "interval %v: want 0 to %v", req.Interval, MaxListInterval)
	}
	records := s.ledger.class(p).byAccount[acct]
	n := req.Limit
	if n == 0 {
		n = len(records)
	}
	var tick <-chan time.Time
	if req.Interval > 0 {
		t := time.NewTicker(req.Interval)
		defer t.Stop()
		tick = t.C
	}
	for k := 0; k < n; k++ {
		if tick != nil && k > 0 {
			select {
			case <-tick:
			case <-ctx.Done():
				return ctx.Err()
			}
		} else if err := ctx.Err(); err != nil {
			return err
		}
		s.work.do()
		if err := send(records[k%len(records)]); err != nil {
			return err
		}
	}
	return nil
}

// digits parses s made of ASCII digits only (strconv.Atoi would also take
// a sign, letting "+00001" alias "000001").
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func parseAccountID(id string) (int, error) {
	if id == "" {
		return 0, Errorf(CodeInvalidArgument, "account id is required")
	}
	for i, a := range accountIDs {
		if id == a {
			return i, nil
		}
	}
	if len(id) > maxIDLen {
		return 0, Errorf(CodeInvalidArgument, "account id is longer than %d bytes", maxIDLen)
	}
	return 0, Errorf(CodeNotFound, "account %q not found", id)
}
