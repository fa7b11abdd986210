package restwire

import "strings"

// Media types of the contract, for Content-Type and Accept.
const (
	ContentTypeJSON     = "application/json"
	ContentTypeProtobuf = "application/x-protobuf"
	ContentTypeNDJSON   = "application/x-ndjson"
	ContentTypeSSE      = "text/event-stream"
	ContentTypeOctets   = "application/octet-stream"
)

// MediaType returns the media type of a Content-Type value, without
// parameters, lower case only when it has to be (the usual value costs no
// allocation).
func MediaType(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(v)
		}
	}
	return v
}

// Accepts reports whether an Accept header names media type t (exactly; no
// wildcards: every client of this service names what it wants or takes the
// default, JSON).
func Accepts(accept, t string) bool {
	for accept != "" {
		var part string
		part, accept, _ = strings.Cut(accept, ",")
		if MediaType(part) == t {
			return true
		}
	}
	return false
}
