// Command example shows the Users service from Go: identify a user and read
// it back, bulk-identify users over a client stream, and decode the details
// of an error.
//
//	USERS_SERVICE_ADDR=localhost:50051 go run ./example
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	usersv1 "github.com/herald/users-service/clients/go/gen/herald/users/v1"
)

func main() {
	addr := os.Getenv("USERS_SERVICE_ADDR")
	if addr == "" {
		addr = "localhost:50051"
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	check(err)
	defer conn.Close()
	client := usersv1.NewUsersServiceClient(conn)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runID := strconv.FormatInt(time.Now().UnixNano(), 36) // ids unique per run

	// 1. Identify (create or update) a user with nested properties, then read it back.
	props, err := structpb.NewStruct(map[string]any{
		"plan":    "pro",
		"address": map[string]any{"city": "Paris", "zip": "75001"},
		"tags":    []any{"beta", "early-adopter"},
	})
	check(err)
	_, err = client.IdentifyUser(ctx, &usersv1.IdentifyUserRequest{
		UserId:     "ada-" + runID,
		Name:       proto.String("Ada Lovelace"),
		Email:      proto.String("ada@example.com"),
		Properties: props,
	})
	check(err)
	got, err := client.GetUser(ctx, &usersv1.GetUserRequest{UserId: "ada-" + runID})
	check(err)
	user := got.GetUser()
	propsJSON, err := json.Marshal(user.GetProperties().AsMap())
	check(err)
	fmt.Printf("read back: %s %s properties=%s\n", user.GetId(), user.GetName(), propsJSON)

	// 2. Bulk identify 3000 users over one client stream, up to 1000 per message.
	stream, err := client.BulkIdentifyUsers(ctx)
	check(err)
	for first := 0; first < 3000; first += 1000 {
		err := stream.Send(&usersv1.BulkIdentifyUsersRequest{Users: bulkUsers(runID, first, 1000)})
		if err == io.EOF {
			break // the server ended the stream early; CloseAndRecv says why
		}
		check(err)
	}
	summary, err := stream.CloseAndRecv()
	check(err)
	fmt.Printf("bulk identify: created=%d updated=%d rejected=%d\n",
		summary.GetCreated(), summary.GetUpdated(), summary.GetRejected())

	// 3. A bad request: the error's details say what was wrong with each field.
	_, err = client.IdentifyUser(ctx, &usersv1.IdentifyUserRequest{
		UserId:      "bad-" + runID,
		Name:        proto.String("Bad Request"),
		Email:       proto.String("not-an-email"),
		PhoneNumber: proto.String("555-0123"),
	})
	if status.Code(err) != codes.InvalidArgument {
		log.Fatalf("expected INVALID_ARGUMENT, got %v", err)
	}
	st, _ := status.FromError(err)
	var reason string
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				fmt.Printf("bad request: %s: %s\n", v.GetField(), v.GetDescription())
			}
		case *errdetails.ErrorInfo:
			reason = d.GetReason()
		}
	}
	fmt.Printf("reason: %s\n", reason)
}

// bulkUsers returns n new users numbered from first.
func bulkUsers(runID string, first, n int) []*usersv1.IdentifyUserRequest {
	users := make([]*usersv1.IdentifyUserRequest, n)
	for i := range users {
		id := fmt.Sprintf("bulk-%s-%04d", runID, first+i)
		users[i] = &usersv1.IdentifyUserRequest{
			UserId: id,
			Name:   proto.String("User " + id),
			Email:  proto.String(id + "@example.com"),
		}
	}
	return users
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
