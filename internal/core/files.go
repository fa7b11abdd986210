package core

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
	"sync/atomic"
)

// MaxFilenameLen is the longest filename an upload may carry.
const MaxFilenameLen = 255

// UploadSummary is what the server received: the answer to an upload.
type UploadSummary struct {
	Filename string `json:"filename"`
	Bytes    int64  `json:"bytes"`
	// Chunks counts the non-empty pieces the transport delivered: messages
	// for gRPC, body reads for REST. Only Bytes and SHA256 are comparable
	// across transports.
	Chunks int64  `json:"chunks"`
	SHA256 string `json:"sha256"`
}

// Upload receives one file. It is not safe for concurrent use; one
// transport goroutine feeds it.
type Upload struct {
	s        *Service
	filename string
	h        hash.Hash
	bytes    int64
	chunks   int64
	done     bool
}

type uploadStats struct {
	completed atomic.Int64
	failed    atomic.Int64
}

// NewUpload starts an upload after checking its filename.
func (s *Service) NewUpload(filename string) (*Upload, error) {
	switch {
	case filename == "":
		return nil, Errorf(CodeInvalidArgument, "filename is required")
	case len(filename) > MaxFilenameLen:
		return nil, Errorf(CodeInvalidArgument, "filename is longer than %d bytes", MaxFilenameLen)
	case filename == "." || filename == ".." || strings.ContainsAny(filename, "/\\\x00"):
		return nil, Errorf(CodeInvalidArgument, "filename must be a plain name, without path separators")
	}
	return &Upload{s: s, filename: filename, h: sha256.New()}, nil
}

// Declare checks the size a client announced before sending a byte of it,
// so that a transport can refuse an upload over the limit without asking
// for its body (HTTP's "Expect: 100-continue"). Over the limit it fails
// with CodeTooLarge and the upload is failed.
func (u *Upload) Declare(size int64) error {
	if size > u.s.cfg.maxUpload {
		u.Abort()
		return Errorf(CodeTooLarge, "upload is larger than %d bytes", u.s.cfg.maxUpload)
	}
	return nil
}

// Write adds a chunk. Past the size limit it fails with CodeTooLarge and the
// upload is failed.
func (u *Upload) Write(p []byte) (int, error) {
	if u.done {
		return 0, Errorf(CodeInvalidArgument, "upload already finished")
	}
	if len(p) == 0 {
		return 0, nil
	}
	if err := u.Declare(u.bytes + int64(len(p))); err != nil {
		return 0, err
	}
	u.h.Write(p)
	u.bytes += int64(len(p))
	u.chunks++
	return len(p), nil
}

// Finish completes the upload and returns its summary. Only an upload whose
// stream ended cleanly may be finished: a cut stream must call Abort.
func (u *Upload) Finish() (UploadSummary, error) {
	if u.done {
		return UploadSummary{}, Errorf(CodeInvalidArgument, "upload already finished")
	}
	u.done = true
	u.s.uploads.completed.Add(1)
	return UploadSummary{
		Filename: u.filename,
		Bytes:    u.bytes,
		Chunks:   u.chunks,
		SHA256:   hex.EncodeToString(u.h.Sum(nil)),
	}, nil
}

// Abort marks the upload failed; nothing it received counts as stored.
func (u *Upload) Abort() {
	if !u.done {
		u.done = true
		u.s.uploads.failed.Add(1)
	}
}

// UploadCounts returns how many uploads completed and failed since start.
func (s *Service) UploadCounts() (completed, failed int64) {
	return s.uploads.completed.Load(), s.uploads.failed.Load()
}
