package grpcsvc

import (
	"errors"
	"io"

	"google.golang.org/grpc"

	filev1 "restvsgrpc/gen/file/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// fileServer implements FileService.
type fileServer struct {
	filev1.UnimplementedFileServiceServer
	svc *core.Service
}

// Upload reads the filename from the first message and every message's
// data as one chunk. Only a stream the client closed cleanly (io.EOF)
// finishes the upload; any other end aborts it, so a cut upload never
// counts as stored.
func (s fileServer) Upload(stream grpc.ClientStreamingServer[filev1.UploadRequest, filev1.UploadSummary]) error {
	msg, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return Status(core.Errorf(core.CodeInvalidArgument, "upload stream is empty: the first message must carry the filename"))
	}
	if err != nil {
		return Status(err)
	}
	up, err := s.svc.NewUpload(msg.GetFilename())
	if err != nil {
		return Status(err)
	}
	for {
		if _, err := up.Write(msg.GetData()); err != nil {
			up.Abort()
			return Status(err)
		}
		msg, err = stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			up.Abort()
			return Status(err)
		}
	}
	sum, err := up.Finish()
	if err != nil {
		return Status(err)
	}
	return stream.SendAndClose(protoconv.UploadSummary(sum))
}
