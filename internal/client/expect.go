package client

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	"restvsgrpc/internal/core"
)

// The client modes: what a caller does with an answer.
const (
	// CheckBytes compares each answer, byte for byte, with the encoding
	// the deterministic data set prescribes, without decoding it: what a
	// driver measuring the server's capacity does.
	CheckBytes = "bytes"
	// CheckDecode decodes each answer into Go values with the usual
	// libraries (net/http and encoding/json, grpc-go's generated stubs, the
	// WebSocket library) and checks every field: what a Go caller pays.
	CheckDecode = "decode"
)

// Checks lists the client modes, the default first.
var Checks = []string{CheckBytes, CheckDecode}

// part is one piece of an expected encoding.
type part struct {
	kind partKind
	lit  []byte // partLit
}

type partKind int

const (
	partLit          partKind = iota
	partJSONString            // the content of a JSON string, up to its closing quote
	partJSONUint              // a JSON number of digits, equal to the call's value
	partProtoBytes            // a length and that many bytes
	partProtoUint             // a varint, equal to the call's value
	partJSONAnyUint           // a JSON number of digits
	partProtoAnyUint          // a varint
)

// expect is the encoding an answer must have: literal bytes, with holes
// where the data set prescribes nothing (a token, a timestamp the server
// takes at the time) or where the value is the call's own (a chat seq). A
// protobuf message with a map field also matches with the map's entries in
// any order, since protobuf orders them as it likes.
type expect struct {
	parts []part
	// mapField is the number of a top-level map field whose entries may
	// come in any order; 0 when there is none. Only for a literal.
	mapField protowire.Number
	fields   []span // the literal's top-level fields, when mapField is set
}

type span struct {
	num      protowire.Number
	from, to int
}

// literal is an expectation of exactly b.
func literal(b []byte) *expect { return &expect{parts: []part{{kind: partLit, lit: b}}} }

// protoLiteral is an expectation of the protobuf message b, whose map
// field mapField may come in any order.
func protoLiteral(b []byte, mapField protowire.Number) *expect {
	e := literal(b)
	e.mapField = mapField
	for off := 0; off < len(b); {
		num, _, n := protowire.ConsumeField(b[off:])
		if n < 0 {
			panic("client: malformed expected protobuf")
		}
		e.fields = append(e.fields, span{num: num, from: off, to: off + n})
		off += n
	}
	return e
}

// jsonTemplate makes an expectation from a sample encoding: each of the
// strings holes occurs once in sample, inside a JSON string (its content
// becomes any string) or as a number (which must equal the call's value).
func jsonTemplate(sample []byte, holes ...string) *expect {
	e := &expect{}
	rest := sample
	for _, h := range holes {
		i := bytes.Index(rest, []byte(h))
		if i < 0 {
			panic("client: hole " + h + " not in the sample " + string(sample))
		}
		kind := partJSONUint
		if i > 0 && rest[i-1] == '"' {
			kind = partJSONString
		}
		e.parts = append(e.parts, part{kind: partLit, lit: rest[:i]}, part{kind: kind})
		rest = rest[i+len(h):]
	}
	e.parts = append(e.parts, part{kind: partLit, lit: rest})
	return e
}

// protoTemplate makes an expectation from a sample protobuf message: the
// top-level fields numbered in anyBytes match any length-delimited value,
// those in callUint a varint equal to the call's value.
func protoTemplate(sample []byte, anyBytes []protowire.Number, callUint protowire.Number) *expect {
	e := &expect{}
	lit := []byte{}
	for off := 0; off < len(sample); {
		num, typ, n := protowire.ConsumeTag(sample[off:])
		if n < 0 {
			panic("client: malformed sample protobuf")
		}
		vn := protowire.ConsumeFieldValue(num, typ, sample[off+n:])
		switch {
		case num == callUint && typ == protowire.VarintType:
			lit = append(lit, sample[off:off+n]...)
			e.parts = append(e.parts, part{kind: partLit, lit: lit}, part{kind: partProtoUint})
			lit = []byte{}
		case slices.Contains(anyBytes, num) && typ == protowire.BytesType:
			lit = append(lit, sample[off:off+n]...)
			e.parts = append(e.parts, part{kind: partLit, lit: lit}, part{kind: partProtoBytes})
			lit = []byte{}
		default:
			lit = append(lit, sample[off:off+n+vn]...)
		}
		off += n + vn
	}
	e.parts = append(e.parts, part{kind: partLit, lit: lit})
	return e
}

// match checks got against e; val is the call's value for the parts that
// must equal it. The error says where the first difference is.
func (e *expect) match(got []byte, val uint64) error {
	if e.mapField != 0 {
		return e.matchProtoMap(got)
	}
	off := 0
	for _, p := range e.parts {
		rest := got[off:]
		switch p.kind {
		case partLit:
			if !bytes.HasPrefix(rest, p.lit) {
				i := commonPrefix(rest, p.lit)
				return mismatch(got, off+i, p.lit[i:])
			}
			off += len(p.lit)
		case partJSONString:
			i := bytes.IndexByte(rest, '"')
			if i < 0 || bytes.IndexByte(rest[:i], '\\') >= 0 {
				return mismatch(got, off, []byte(`…"`))
			}
			off += i
		case partJSONUint:
			var buf [20]byte
			want := strconv.AppendUint(buf[:0], val, 10)
			if !bytes.HasPrefix(rest, want) || (len(rest) > len(want) && rest[len(want)] >= '0' && rest[len(want)] <= '9') {
				return mismatch(got, off, strconv.AppendUint(nil, val, 10))
			}
			off += len(want)
		case partProtoBytes:
			_, n := protowire.ConsumeBytes(rest)
			if n < 0 {
				return mismatch(got, off, []byte("<a length-delimited value>"))
			}
			off += n
		case partJSONAnyUint:
			n := 0
			for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
				n++
			}
			if n == 0 {
				return mismatch(got, off, []byte("<digits>"))
			}
			off += n
		case partProtoAnyUint:
			_, n := protowire.ConsumeVarint(rest)
			if n < 0 {
				return mismatch(got, off, []byte("<a varint>"))
			}
			off += n
		case partProtoUint:
			v, n := protowire.ConsumeVarint(rest)
			if n < 0 || v != val {
				return mismatch(got, off, protowire.AppendVarint(nil, val))
			}
			off += n
		}
	}
	if off != len(got) {
		return mismatch(got, off, nil)
	}
	return nil
}

// matchProtoMap compares a protobuf message field by field with the
// literal, the entries of the map field as a set.
func (e *expect) matchProtoMap(got []byte) error {
	want := e.parts[0].lit
	off, i := 0, 0
	for i < len(e.fields) {
		f := e.fields[i]
		if f.num != e.mapField {
			n := f.to - f.from
			if w := want[f.from:f.to]; !bytes.HasPrefix(got[off:], w) {
				i := commonPrefix(got[off:], w)
				return mismatch(got, off+i, w[i:])
			}
			off += n
			i++
			continue
		}
		// The run of map entries: each got entry must be one of the run's
		// wanted entries not matched yet.
		j := i
		for j < len(e.fields) && e.fields[j].num == e.mapField {
			j++
		}
		var used uint64
		if j-i > 64 {
			return fmt.Errorf("client: a map of %d entries is more than the check handles", j-i)
		}
		for range j - i {
			num, _, n := protowire.ConsumeField(got[off:])
			if n < 0 || num != e.mapField {
				return mismatch(got, off, want[e.fields[i].from:e.fields[i].to])
			}
			entry := got[off : off+n]
			found := false
			for k := i; k < j; k++ {
				w := e.fields[k]
				if used&(1<<(k-i)) == 0 && bytes.Equal(entry, want[w.from:w.to]) {
					used |= 1 << (k - i)
					found = true
					break
				}
			}
			if !found {
				return mismatch(got, off, want[e.fields[i].from:e.fields[i].to])
			}
			off += n
		}
		i = j
	}
	if off != len(got) {
		return mismatch(got, off, nil)
	}
	return nil
}

// commonPrefix is the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// mismatch is the error of an answer that differs from its expectation
// at offset off.
func mismatch(got []byte, off int, want []byte) error {
	g := got[off:min(len(got), off+32)]
	w := want[:min(len(want), 32)]
	if want == nil {
		return core.Errorf(core.CodeInternal, "answer differs at byte %d of %d: got %q, want the end", off, len(got), g)
	}
	return core.Errorf(core.CodeInternal, "answer differs at byte %d of %d: got %q, want %q", off, len(got), g, w)
}
