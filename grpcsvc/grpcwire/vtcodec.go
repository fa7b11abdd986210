package grpcwire

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
)

// vtMessage is a message with vtprotobuf's generated methods (gen/*_vtproto.pb.go).
type vtMessage interface {
	SizeVT() int
	MarshalToSizedBufferVT([]byte) (int, error)
	UnmarshalVT([]byte) error
}

// VTCodec is the codec of the grpc-vt variant: the same protobuf bytes
// under the same name ("proto", so the wire says application/grpc), made
// and read by vtprotobuf's generated MarshalVT and UnmarshalVT instead of
// protobuf-go's reflection. It pools large buffers as grpc-go's own proto
// codec does, so that the two differ only in the library. A server uses it
// with grpc.ForceServerCodecV2, a client with grpc.ForceCodecV2: grpc-go
// allows one codec per name, and registering it would change every server
// and client of the process.
var VTCodec encoding.CodecV2 = vtCodec{}

type vtCodec struct{}

func (vtCodec) Name() string { return "proto" }

func (vtCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(vtMessage)
	if !ok {
		return nil, fmt.Errorf("grpc-vt: marshal %T: no vtprotobuf methods", v)
	}
	size := m.SizeVT()
	if mem.IsBelowBufferPoolingThreshold(size) {
		b := make([]byte, size)
		if _, err := m.MarshalToSizedBufferVT(b); err != nil {
			return nil, err
		}
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	pool := mem.DefaultBufferPool()
	buf := pool.Get(size)
	if _, err := m.MarshalToSizedBufferVT((*buf)[:size]); err != nil {
		pool.Put(buf)
		return nil, err
	}
	return mem.BufferSlice{mem.NewBuffer(buf, pool)}, nil
}

// Unmarshal decodes data into v. UnmarshalVT copies what it keeps (strings,
// bytes), so the buffer goes back to the pool once it returns.
func (vtCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(vtMessage)
	if !ok {
		return fmt.Errorf("grpc-vt: unmarshal %T: no vtprotobuf methods", v)
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	return m.UnmarshalVT(buf.ReadOnlyData())
}
