// Package protoconv converts between the core's domain types and the
// generated protobuf messages. Both the grpc-go service and the REST
// service's protobuf bodies (the rest-proto variant) use it, so the two
// encode the same records the same way.
package protoconv

import (
	"time"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"

	"google.golang.org/protobuf/types/known/timestamppb"
)

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func fromTS(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

// UserResult converts a ValidateUser answer.
func UserResult(r core.UserResult) *authv1.ValidateUserResponse {
	return &authv1.ValidateUserResponse{IsValid: r.IsValid, Message: r.Message, Token: r.Token, ExpiresAt: ts(r.ExpiresAt)}
}

// FromUserResult is the inverse of UserResult.
func FromUserResult(m *authv1.ValidateUserResponse) core.UserResult {
	return core.UserResult{IsValid: m.GetIsValid(), Message: m.GetMessage(), Token: m.GetToken(), ExpiresAt: fromTS(m.GetExpiresAt())}
}

// TokenResult converts a ValidateToken answer.
func TokenResult(r core.TokenResult) *authv1.ValidateTokenResponse {
	return &authv1.ValidateTokenResponse{IsValid: r.IsValid, Subject: r.Subject, ExpiresAt: ts(r.ExpiresAt), Message: r.Message}
}

// FromTokenResult is the inverse of TokenResult.
func FromTokenResult(m *authv1.ValidateTokenResponse) core.TokenResult {
	return core.TokenResult{IsValid: m.GetIsValid(), Subject: m.GetSubject(), ExpiresAt: fromTS(m.GetExpiresAt()), Message: m.GetMessage()}
}

var statusToPB = map[core.Status]transactionv1.Status{
	core.StatusPending:    transactionv1.Status_STATUS_PENDING,
	core.StatusAuthorized: transactionv1.Status_STATUS_AUTHORIZED,
	core.StatusSettled:    transactionv1.Status_STATUS_SETTLED,
	core.StatusDeclined:   transactionv1.Status_STATUS_DECLINED,
	core.StatusRefunded:   transactionv1.Status_STATUS_REFUNDED,
}

var statusFromPB = func() map[transactionv1.Status]core.Status {
	m := make(map[transactionv1.Status]core.Status, len(statusToPB))
	for k, v := range statusToPB {
		m[v] = k
	}
	return m
}()

// Transaction converts a ledger record.
func Transaction(t *core.Transaction) *transactionv1.Transaction {
	m := &transactionv1.Transaction{
		Id:             t.ID,
		AccountId:      t.AccountID,
		CounterpartyId: t.CounterpartyID,
		AmountMinor:    t.AmountMinor,
		Currency:       t.Currency,
		Status:         statusToPB[t.Status],
		CreatedAt:      ts(t.CreatedAt),
		UpdatedAt:      ts(t.UpdatedAt),
		Description:    t.Description,
		Metadata:       t.Metadata,
	}
	if len(t.LineItems) > 0 {
		items := make([]transactionv1.LineItem, len(t.LineItems))
		m.LineItems = make([]*transactionv1.LineItem, len(t.LineItems))
		for i, li := range t.LineItems {
			items[i].Sku, items[i].Name, items[i].Quantity, items[i].UnitAmountMinor = li.SKU, li.Name, li.Quantity, li.UnitAmountMinor
			m.LineItems[i] = &items[i]
		}
	}
	return m
}

// FromTransaction is the inverse of Transaction.
func FromTransaction(m *transactionv1.Transaction) *core.Transaction {
	t := &core.Transaction{
		ID:             m.GetId(),
		AccountID:      m.GetAccountId(),
		CounterpartyID: m.GetCounterpartyId(),
		AmountMinor:    m.GetAmountMinor(),
		Currency:       m.GetCurrency(),
		Status:         statusFromPB[m.GetStatus()],
		CreatedAt:      fromTS(m.GetCreatedAt()),
		UpdatedAt:      fromTS(m.GetUpdatedAt()),
		Description:    m.GetDescription(),
	}
	if len(m.GetMetadata()) > 0 {
		t.Metadata = m.GetMetadata()
	}
	if len(m.GetLineItems()) > 0 {
		t.LineItems = make([]core.LineItem, len(m.GetLineItems()))
		for i, li := range m.GetLineItems() {
			t.LineItems[i] = core.LineItem{SKU: li.GetSku(), Name: li.GetName(), Quantity: li.GetQuantity(), UnitAmountMinor: li.GetUnitAmountMinor()}
		}
	}
	return t
}

// ListRequest converts a feed request.
func ListRequest(m *transactionv1.ListTransactionsRequest) core.ListRequest {
	return core.ListRequest{
		AccountID: m.GetAccountId(),
		Payload:   m.GetPayload(),
		Limit:     int(m.GetLimit()),
		Interval:  time.Duration(m.GetIntervalMs()) * time.Millisecond,
	}
}

// UploadSummary converts an upload's summary.
func UploadSummary(s core.UploadSummary) *filev1.UploadSummary {
	return &filev1.UploadSummary{Filename: s.Filename, Bytes: s.Bytes, Chunks: s.Chunks, Sha256: s.SHA256}
}

// FromUploadSummary is the inverse of UploadSummary.
func FromUploadSummary(m *filev1.UploadSummary) core.UploadSummary {
	return core.UploadSummary{Filename: m.GetFilename(), Bytes: m.GetBytes(), Chunks: m.GetChunks(), SHA256: m.GetSha256()}
}

// ChatMessage converts a member's message.
func ChatMessage(m *chatv1.ChatMessage) core.ChatMessage {
	return core.ChatMessage{Room: m.GetRoom(), Seq: m.GetSeq(), Text: m.GetText()}
}

// ToChatMessage is the inverse of ChatMessage.
func ToChatMessage(m core.ChatMessage) *chatv1.ChatMessage {
	return &chatv1.ChatMessage{Room: m.Room, Seq: m.Seq, Text: m.Text}
}

var kindToPB = map[core.EventKind]chatv1.ChatEvent_Kind{
	core.EventAck:     chatv1.ChatEvent_KIND_ACK,
	core.EventMessage: chatv1.ChatEvent_KIND_MESSAGE,
}

var kindFromPB = func() map[chatv1.ChatEvent_Kind]core.EventKind {
	m := make(map[chatv1.ChatEvent_Kind]core.EventKind, len(kindToPB))
	for k, v := range kindToPB {
		m[v] = k
	}
	return m
}()

// ChatEvent converts an event for a member.
func ChatEvent(e core.ChatEvent) *chatv1.ChatEvent {
	return &chatv1.ChatEvent{Kind: kindToPB[e.Kind], Room: e.Room, Seq: e.Seq, From: e.From, Text: e.Text, SentAt: ts(e.SentAt)}
}

// FromChatEvent is the inverse of ChatEvent.
func FromChatEvent(m *chatv1.ChatEvent) core.ChatEvent {
	return core.ChatEvent{Kind: kindFromPB[m.GetKind()], Room: m.GetRoom(), Seq: m.GetSeq(), From: m.GetFrom(), Text: m.GetText(), SentAt: fromTS(m.GetSentAt())}
}
