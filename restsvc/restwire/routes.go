package restwire

import (
	"net/url"
	"strconv"
	"time"

	"restvsgrpc/internal/core"
)

// The routes' paths.
const (
	PathHealth        = "/healthz"
	PathValidateUser  = "/v1/auth/validate"
	PathValidateToken = "/v1/auth/token/validate"
	// PathTransactions is the feed; PathTransactions + "/" + id one record.
	PathTransactions = "/v1/transactions"
	PathFiles        = "/v1/files"
	PathChat         = "/v1/chat"
)

// The query parameters of the feed and of an upload.
const (
	QueryAccount    = "account"
	QueryPayload    = "payload"
	QueryLimit      = "limit"
	QueryIntervalMS = "interval_ms"
	QueryFilename   = "filename"
)

// TransactionPath is the path of the record id.
func TransactionPath(id string) string { return PathTransactions + "/" + url.PathEscape(id) }

// ListPath is the path and query of the feed req asks for; zero fields are
// left out, so that the server's defaults apply.
func ListPath(req core.ListRequest) string {
	q := url.Values{QueryAccount: {req.AccountID}}
	if req.Payload != "" {
		q.Set(QueryPayload, req.Payload)
	}
	if req.Limit != 0 {
		q.Set(QueryLimit, strconv.Itoa(req.Limit))
	}
	if req.Interval != 0 {
		q.Set(QueryIntervalMS, strconv.FormatInt(req.Interval.Milliseconds(), 10))
	}
	return PathTransactions + "?" + q.Encode()
}

// ParseListQuery is the server's side of ListPath. Only the numbers are
// checked here; the core checks the rest.
func ParseListQuery(q url.Values) (core.ListRequest, error) {
	req := core.ListRequest{AccountID: q.Get(QueryAccount), Payload: q.Get(QueryPayload)}
	if v := q.Get(QueryLimit); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return req, core.Errorf(core.CodeInvalidArgument, "limit %q: want an integer", v)
		}
		req.Limit = n
	}
	if v := q.Get(QueryIntervalMS); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return req, core.Errorf(core.CodeInvalidArgument, "interval_ms %q: want an integer", v)
		}
		req.Interval = time.Duration(n) * time.Millisecond
	}
	return req, nil
}

// UploadPath is the path and query of an upload of filename.
func UploadPath(filename string) string {
	return PathFiles + "?" + QueryFilename + "=" + url.QueryEscape(filename)
}
