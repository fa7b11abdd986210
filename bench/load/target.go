package load

import "restvsgrpc/internal/client"

// The engine's view of the client stack (internal/client), under the
// names it has always used here.
type (
	RPC          = client.RPC
	Outcome      = client.Outcome
	Caller       = client.Caller
	Counters     = client.Counters
	Target       = client.Target
	TargetConfig = client.TargetConfig
)

// The calls a Target can make.
const (
	ValidateToken    = client.ValidateToken
	GetTransaction   = client.GetTransaction
	ValidateUser     = client.ValidateUser
	ListTransactions = client.ListTransactions
	Upload           = client.Upload
	Chat             = client.Chat
)

// Re-exported from internal/client.
var (
	RPCs      = client.RPCs
	ParseRPC  = client.ParseRPC
	NewTarget = client.NewTarget
)

// The client modes.
const (
	CheckBytes  = client.CheckBytes
	CheckDecode = client.CheckDecode
)

// RoundRobin names grpc-go's client-side round_robin balancing policy.
const RoundRobin = client.RoundRobin
