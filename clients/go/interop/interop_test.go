//go:build interop

// Package interop checks the Go stubs against a running Users service.
//
//	USERS_SERVICE_ADDR=127.0.0.1:50051 go test -tags interop ./interop/
//
// The database is shared, so every test uses user ids with a random suffix.
package interop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/herald/users-service/clients/go/gen/herald/users/v1"
)

const (
	serviceName = "herald.users.v1.UsersService"
	errorDomain = "herald.users.v1"
)

var (
	conn   *grpc.ClientConn
	client usersv1.UsersServiceClient
)

func TestMain(m *testing.M) {
	addr := os.Getenv("USERS_SERVICE_ADDR")
	if addr == "" {
		fmt.Fprintln(os.Stderr, "interop tests need a running Users service: set USERS_SERVICE_ADDR (e.g. 127.0.0.1:50051)")
		os.Exit(1)
	}
	var err error
	conn, err = grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintf(os.Stderr, "connecting to %s: %v\n", addr, err)
		os.Exit(1)
	}
	client = usersv1.NewUsersServiceClient(conn)
	code := m.Run()
	conn.Close()
	os.Exit(code)
}

// uniqueID returns prefix followed by a random suffix.
func uniqueID(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + "-" + hex.EncodeToString(b)
}

func callContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newUser is an IdentifyUserRequest that creates a valid user.
func newUser(id string) *usersv1.IdentifyUserRequest {
	return &usersv1.IdentifyUserRequest{
		UserId: id,
		Name:   proto.String("Name of " + id),
		Email:  proto.String("user@example.com"),
	}
}

// errorDetails checks err's code and returns its ErrorInfo (required) and
// BadRequest (nil when absent).
func errorDetails(t *testing.T, err error, want codes.Code) (*errdetails.ErrorInfo, *errdetails.BadRequest) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != want {
		t.Fatalf("want a %v status, got %v", want, err)
	}
	var info *errdetails.ErrorInfo
	var badRequest *errdetails.BadRequest
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.ErrorInfo:
			info = d
		case *errdetails.BadRequest:
			badRequest = d
		case error:
			t.Errorf("undecodable status detail: %v", d)
		}
	}
	if info == nil {
		t.Fatalf("status %v carries no ErrorInfo (details: %v)", st.Code(), st.Details())
	}
	if info.GetDomain() != errorDomain {
		t.Errorf("ErrorInfo.domain = %q, want %q", info.GetDomain(), errorDomain)
	}
	return info, badRequest
}

func TestIdentifyAndGetUser(t *testing.T) {
	ctx := callContext(t)
	id := uniqueID(t, "interop-zoë")
	name := "Zoë Ünïcödé 😀 名前 e\u0301"
	// The API keeps created_at to the millisecond (TestCreatedAtMilliseconds).
	createdAt := &timestamppb.Timestamp{Seconds: 1614834367, Nanos: 123_000_000}
	props, err := structpb.NewStruct(map[string]any{
		"plan":     "pro",
		"seats":    42,
		"ratio":    0.25,
		"balance":  -1234.5,
		"active":   true,
		"trial":    false,
		"canceled": nil,
		"address": map[string]any{
			"city": "Zürich",
			"geo":  map[string]any{"lat": 47.3769, "lon": 8.5417},
		},
		"tags":       []any{"beta", "ß", 7, true, nil, map[string]any{"k": "v"}, []any{1, 2}},
		"empty_obj":  map[string]any{},
		"empty_list": []any{},
		"ключ":       "значение",
		"emoji 😀":    "✓ e\u0301",
	})
	if err != nil {
		t.Fatal(err)
	}
	req := &usersv1.IdentifyUserRequest{
		UserId:      id,
		Name:        proto.String(name),
		Email:       proto.String("zoe@example.com"),
		PhoneNumber: proto.String("+14155550123"),
		Timezone:    proto.String("Europe/Zurich"),
		Locale:      proto.String("de-CH"),
		Properties:  props,
		CreatedAt:   createdAt,
	}
	first, err := client.IdentifyUser(ctx, req)
	if err != nil {
		t.Fatalf("IdentifyUser: %v", err)
	}
	if !first.GetCreated() {
		t.Error("first IdentifyUser: created = false, want true")
	}

	got, err := client.GetUser(ctx, &usersv1.GetUserRequest{UserId: id})
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	for _, u := range []struct {
		from string
		user *usersv1.User
	}{{"IdentifyUser", first.GetUser()}, {"GetUser", got.GetUser()}} {
		user := u.user
		for _, f := range []struct{ field, got, want string }{
			{"id", user.GetId(), id},
			{"name", user.GetName(), name},
			{"email", user.GetEmail(), "zoe@example.com"},
			{"phone_number", user.GetPhoneNumber(), "+14155550123"},
			{"timezone", user.GetTimezone(), "Europe/Zurich"},
			{"locale", user.GetLocale(), "de-CH"},
		} {
			if f.got != f.want {
				t.Errorf("%s: user.%s = %q, want %q", u.from, f.field, f.got, f.want)
			}
		}
		if user.Avatar != nil {
			t.Errorf("%s: user.avatar = %q, want unset", u.from, user.GetAvatar())
		}
		if !proto.Equal(user.GetProperties(), props) {
			t.Errorf("%s: properties differ\n got: %v\nwant: %v", u.from, user.GetProperties(), props)
		}
		if !proto.Equal(user.GetCreatedAt(), createdAt) {
			t.Errorf("%s: created_at = %v, want exactly %v (the time the caller gave)",
				u.from, user.GetCreatedAt(), createdAt)
		}
		if user.GetUpdatedAt() == nil || user.GetUpdatedAt().AsTime().IsZero() {
			t.Errorf("%s: updated_at not set", u.from)
		} else if age := time.Since(user.GetUpdatedAt().AsTime()); age < -time.Minute || age > time.Minute {
			t.Errorf("%s: updated_at = %v, not about now", u.from, user.GetUpdatedAt().AsTime())
		}
		if user.GetVersion() == "" {
			t.Errorf("%s: version is empty", u.from)
		}
	}
	if !proto.Equal(got.GetUser(), first.GetUser()) {
		t.Errorf("GetUser differs from what IdentifyUser returned\n got: %v\nwant: %v", got.GetUser(), first.GetUser())
	}

	again, err := client.IdentifyUser(ctx, req)
	if err != nil {
		t.Fatalf("second IdentifyUser: %v", err)
	}
	if again.GetCreated() {
		t.Error("second IdentifyUser: created = true, want false")
	}
	if again.GetUser().GetVersion() == first.GetUser().GetVersion() {
		t.Errorf("version did not change on the second write: %q", again.GetUser().GetVersion())
	}
	if !proto.Equal(again.GetUser().GetCreatedAt(), createdAt) {
		t.Errorf("second IdentifyUser: created_at = %v, want %v", again.GetUser().GetCreatedAt(), createdAt)
	}
}

// The API documents created_at as kept to the millisecond: the digits below
// it are not kept.
func TestCreatedAtMilliseconds(t *testing.T) {
	ctx := callContext(t)
	id := uniqueID(t, "interop-millis")
	sent := &timestamppb.Timestamp{Seconds: 1614834367, Nanos: 123_456_789}
	resp, err := client.IdentifyUser(ctx, &usersv1.IdentifyUserRequest{
		UserId: id, Name: proto.String("M"), Email: proto.String("m@example.com"), CreatedAt: sent,
	})
	if err != nil {
		t.Fatalf("IdentifyUser: %v", err)
	}
	want := &timestamppb.Timestamp{Seconds: 1614834367, Nanos: 123_000_000}
	if got := resp.GetUser().GetCreatedAt(); !proto.Equal(got, want) {
		t.Errorf("created_at = %v, want %v (%v to the millisecond)", got, want, sent)
	}
}

func TestGetUserNotFound(t *testing.T) {
	id := uniqueID(t, "interop-missing")
	_, err := client.GetUser(callContext(t), &usersv1.GetUserRequest{UserId: id})
	info, _ := errorDetails(t, err, codes.NotFound)
	if info.GetReason() != "USER_NOT_FOUND" {
		t.Errorf("reason = %q, want USER_NOT_FOUND", info.GetReason())
	}
}

func TestExpectedVersion(t *testing.T) {
	ctx := callContext(t)
	id := uniqueID(t, "interop-version")
	created, err := client.IdentifyUser(ctx, newUser(id))
	if err != nil {
		t.Fatalf("IdentifyUser: %v", err)
	}
	stale := created.GetUser().GetVersion()
	updated, err := client.IdentifyUser(ctx, &usersv1.IdentifyUserRequest{UserId: id, Name: proto.String("Renamed")})
	if err != nil {
		t.Fatalf("IdentifyUser (update): %v", err)
	}
	current := updated.GetUser().GetVersion()
	if current == stale {
		t.Fatalf("version did not change on update: %q", current)
	}

	// A version the service issued, but no longer the user's.
	_, err = client.IdentifyUser(ctx, &usersv1.IdentifyUserRequest{
		UserId: id, Name: proto.String("Lost update"), ExpectedVersion: proto.String(stale),
	})
	info, _ := errorDetails(t, err, codes.Aborted)
	if info.GetReason() != "VERSION_MISMATCH" {
		t.Errorf("reason = %q, want VERSION_MISMATCH", info.GetReason())
	}
	got, err := client.GetUser(ctx, &usersv1.GetUserRequest{UserId: id})
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if got.GetUser().GetName() != "Renamed" || got.GetUser().GetVersion() != current {
		t.Errorf("the aborted write changed the user: name %q version %q", got.GetUser().GetName(), got.GetUser().GetVersion())
	}

	ok, err := client.IdentifyUser(ctx, &usersv1.IdentifyUserRequest{
		UserId: id, Name: proto.String("Checked update"), ExpectedVersion: proto.String(current),
	})
	if err != nil {
		t.Fatalf("IdentifyUser with the current version: %v", err)
	}
	if ok.GetCreated() || ok.GetUser().GetName() != "Checked update" || ok.GetUser().GetVersion() == current {
		t.Errorf("conditional update: created %v, name %q, version %q (was %q)",
			ok.GetCreated(), ok.GetUser().GetName(), ok.GetUser().GetVersion(), current)
	}
}

func TestInvalidArgument(t *testing.T) {
	ctx := callContext(t)
	id := uniqueID(t, "interop-invalid")
	props, err := structpb.NewStruct(map[string]any{"$set": 1, "fine": "ok"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.IdentifyUser(ctx, &usersv1.IdentifyUserRequest{
		UserId:      id,
		Name:        proto.String("Bad Fields"),
		Email:       proto.String("not-an-email"),
		PhoneNumber: proto.String("555-0123"),
		Timezone:    proto.String("Mars/Olympus_Mons"),
		Avatar:      proto.String("ftp://example.com/a.png"),
		Properties:  props,
	})
	info, badRequest := errorDetails(t, err, codes.InvalidArgument)
	if info.GetReason() != "INVALID_ARGUMENT" {
		t.Errorf("reason = %q, want INVALID_ARGUMENT", info.GetReason())
	}
	if badRequest == nil {
		t.Fatal("no BadRequest detail")
	}
	violations := map[string]string{} // field -> reason
	for _, v := range badRequest.GetFieldViolations() {
		if v.GetDescription() == "" {
			t.Errorf("violation of %s has no description", v.GetField())
		}
		violations[v.GetField()] = v.GetReason()
	}
	want := map[string]string{
		"email":              "INVALID_EMAIL",
		"phone_number":       "INVALID_E164",
		"timezone":           "UNKNOWN_TIMEZONE",
		"avatar":             "INVALID_URL",
		`properties["$set"]`: "INVALID_KEY",
	}
	if len(violations) != len(want) || len(badRequest.GetFieldViolations()) != len(want) {
		t.Errorf("violations = %v, want exactly %v", badRequest.GetFieldViolations(), want)
	}
	for field, reason := range want {
		if got, ok := violations[field]; !ok {
			t.Errorf("no violation for %s (got %v)", field, violations)
		} else if got != reason {
			t.Errorf("violation of %s: reason %q, want %q", field, got, reason)
		}
	}

	// A request that fails writes nothing.
	_, err = client.GetUser(ctx, &usersv1.GetUserRequest{UserId: id})
	if status.Code(err) != codes.NotFound {
		t.Errorf("GetUser after the failed IdentifyUser: want NotFound, got %v", err)
	}
}

func TestDeadlineHonoured(t *testing.T) {
	const deadline = 500 * time.Millisecond
	id := uniqueID(t, "interop-deadline")
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	stream, err := client.BulkIdentifyUsers(ctx)
	if err != nil {
		t.Fatalf("BulkIdentifyUsers: %v", err)
	}
	if err := stream.Send(&usersv1.BulkIdentifyUsersRequest{Users: []*usersv1.IdentifyUserRequest{newUser(id)}}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// Wait for the response without closing the stream.
	var resp usersv1.BulkIdentifyUsersResponse
	err = stream.RecvMsg(&resp)
	elapsed := time.Since(start)
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("RecvMsg on an unclosed stream: want DeadlineExceeded, got %v (response %v)", err, &resp)
	}
	if elapsed < deadline || elapsed > 5*time.Second {
		t.Errorf("the stream ended after %v, want between %v and 5s", elapsed, deadline)
	}

	// The connection still serves calls; the record sent before the
	// deadline was written (a partial batch is written after 50 ms idle).
	got, err := client.GetUser(callContext(t), &usersv1.GetUserRequest{UserId: id})
	if err != nil {
		t.Fatalf("GetUser after the deadline: %v", err)
	}
	if got.GetUser().GetId() != id {
		t.Errorf("GetUser returned id %q, want %q", got.GetUser().GetId(), id)
	}
}

func TestBulkIdentifyUsers(t *testing.T) {
	ctx := callContext(t)
	prefix := uniqueID(t, "interop-bulk")
	const total = 2500
	ids := make([]string, total)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	stream, err := client.BulkIdentifyUsers(ctx)
	if err != nil {
		t.Fatalf("BulkIdentifyUsers: %v", err)
	}
	for _, chunk := range [][]string{ids[:1000], ids[1000:2000], ids[2000:]} {
		msg := &usersv1.BulkIdentifyUsersRequest{}
		for _, id := range chunk {
			msg.Users = append(msg.Users, newUser(id))
		}
		if err := stream.Send(msg); err != nil {
			// io.EOF: the server ended the stream; CloseAndRecv reports why.
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("Send: %v", err)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatalf("CloseAndRecv: %v", err)
	}
	if resp.GetReceived() != total || resp.GetCreated() != total || resp.GetUpdated() != 0 ||
		resp.GetRejected() != 0 || len(resp.GetRejections()) != 0 || resp.GetRejectionsOmitted() != 0 {
		t.Errorf("response = %v, want received=created=%d and nothing else", resp, total)
	}
	for _, i := range []int{0, 1234, total - 1} {
		got, err := client.GetUser(ctx, &usersv1.GetUserRequest{UserId: ids[i]})
		if err != nil {
			t.Fatalf("GetUser(%s): %v", ids[i], err)
		}
		if got.GetUser().GetName() != "Name of "+ids[i] || got.GetUser().GetEmail() != "user@example.com" {
			t.Errorf("GetUser(%s) = %v", ids[i], got.GetUser())
		}
	}
}

func TestStreamIdentifyUsers(t *testing.T) {
	ctx := callContext(t)
	prefix := uniqueID(t, "interop-stream")
	id := func(i int) string { return fmt.Sprintf("%s-%d", prefix, i) }
	stream, err := client.StreamIdentifyUsers(ctx)
	if err != nil {
		t.Fatalf("StreamIdentifyUsers: %v", err)
	}

	// Records 0-2: three new users.
	if err := stream.Send(&usersv1.StreamIdentifyUsersRequest{
		Users: []*usersv1.IdentifyUserRequest{newUser(id(0)), newUser(id(1)), newUser(id(2))},
	}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	ack, err := stream.Recv()
	if err != nil {
		t.Fatalf("Recv (first acknowledgement): %v", err)
	}
	if ack.GetNextPosition() != 3 || ack.GetCreated() != 3 || ack.GetUpdated() != 0 || len(ack.GetRejections()) != 0 {
		t.Errorf("first acknowledgement = %v, want next_position 3, created 3", ack)
	}

	// Records 3-4: an update of record 0's user, and an invalid record.
	bad := newUser(id(4))
	bad.Email = proto.String("not-an-email")
	if err := stream.Send(&usersv1.StreamIdentifyUsersRequest{
		Users: []*usersv1.IdentifyUserRequest{{UserId: id(0), Name: proto.String("Updated")}, bad},
	}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	ack, err = stream.Recv()
	if err != nil {
		t.Fatalf("Recv (second acknowledgement): %v", err)
	}
	if ack.GetNextPosition() != 5 || ack.GetCreated() != 0 || ack.GetUpdated() != 1 || len(ack.GetRejections()) != 1 {
		t.Fatalf("second acknowledgement = %v, want next_position 5, updated 1, one rejection", ack)
	}
	rejection := ack.GetRejections()[0]
	if rejection.GetPosition() != 4 || rejection.GetUserId() != id(4) ||
		len(rejection.GetViolations()) != 1 || rejection.GetViolations()[0].GetField() != "email" ||
		rejection.GetViolations()[0].GetReason() != "INVALID_EMAIL" {
		t.Errorf("rejection = %v, want position 4, user %s, one email/INVALID_EMAIL violation", rejection, id(4))
	}

	if err := stream.CloseSend(); err != nil {
		t.Fatalf("CloseSend: %v", err)
	}
	if extra, err := stream.Recv(); err != io.EOF {
		t.Errorf("Recv after CloseSend: want io.EOF, got %v, %v", extra, err)
	}

	got, err := client.GetUser(ctx, &usersv1.GetUserRequest{UserId: id(0)})
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if got.GetUser().GetName() != "Updated" {
		t.Errorf("user %s has name %q, want Updated", id(0), got.GetUser().GetName())
	}
	if _, err := client.GetUser(ctx, &usersv1.GetUserRequest{UserId: id(4)}); status.Code(err) != codes.NotFound {
		t.Errorf("GetUser of the rejected record's user: want NotFound, got %v", err)
	}
}

func TestHealth(t *testing.T) {
	health := healthpb.NewHealthClient(conn)
	for _, service := range []string{"", serviceName} {
		resp, err := health.Check(callContext(t), &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			t.Errorf("Check(%q): %v", service, err)
			continue
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Check(%q) = %v, want SERVING", service, resp.GetStatus())
		}
	}
}

func TestReflection(t *testing.T) {
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(callContext(t))
	if err != nil {
		t.Fatalf("ServerReflectionInfo: %v", err)
	}
	defer stream.CloseSend()
	ask := func(req *reflectionpb.ServerReflectionRequest) *reflectionpb.ServerReflectionResponse {
		t.Helper()
		if err := stream.Send(req); err != nil {
			t.Fatalf("Send: %v", err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		if e := resp.GetErrorResponse(); e != nil {
			t.Fatalf("reflection error %d: %s", e.GetErrorCode(), e.GetErrorMessage())
		}
		return resp
	}

	listed := ask(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	})
	var names []string
	for _, s := range listed.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	for _, want := range []string{serviceName, "grpc.health.v1.Health"} {
		if !slices.Contains(names, want) {
			t.Errorf("ListServices = %v, missing %s", names, want)
		}
	}

	files := ask(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: serviceName},
	}).GetFileDescriptorResponse().GetFileDescriptorProto()
	if len(files) == 0 {
		t.Fatal("FileContainingSymbol returned no descriptors")
	}
	set := &descriptorpb.FileDescriptorSet{}
	var found bool
	for _, raw := range files {
		file := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(raw, file); err != nil {
			t.Fatalf("a returned descriptor does not parse: %v", err)
		}
		set.File = append(set.File, file)
		if file.GetPackage() != "herald.users.v1" {
			continue
		}
		for _, service := range file.GetService() {
			if service.GetName() != "UsersService" {
				continue
			}
			found = slices.ContainsFunc(service.GetMethod(), func(m *descriptorpb.MethodDescriptorProto) bool {
				return m.GetName() == "IdentifyUser" &&
					m.GetInputType() == ".herald.users.v1.IdentifyUserRequest" &&
					m.GetOutputType() == ".herald.users.v1.IdentifyUserResponse"
			})
		}
	}
	if !found {
		var got []string
		for _, f := range set.GetFile() {
			got = append(got, f.GetName())
		}
		t.Fatalf("no herald.users.v1.UsersService with method IdentifyUser in %s", strings.Join(got, ", "))
	}
	// The file and its dependencies together form a complete set.
	if _, err := protodesc.NewFiles(set); err != nil {
		t.Errorf("the returned descriptors do not link: %v", err)
	}
}
