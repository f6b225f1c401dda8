"""Interop tests of the generated Python client against a running Users
service (USERS_SERVICE_ADDR). Every test makes its own user ids, so they can
run against a shared database and in any order."""

import importlib
import pkgutil
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pool, struct_pb2, timestamp_pb2
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from grpc_status import rpc_status

import herald.users.v1
from herald.users.v1 import users_service_pb2 as pb

SERVICE = "herald.users.v1.UsersService"
DOMAIN = "herald.users.v1"
TIMEOUT = 10  # seconds, for every call that is not about deadlines


class Details:
    """The google.rpc details of a failed call, unpacked from their Any."""

    def __init__(self, err: grpc.RpcError) -> None:
        status = rpc_status.from_call(err)
        assert status is not None, f"{err.code()} without grpc-status-details-bin: {err.details()}"
        assert status.code == err.code().value[0]
        self.error_info = error_details_pb2.ErrorInfo()
        self.bad_request = error_details_pb2.BadRequest()
        self.precondition_failure = error_details_pb2.PreconditionFailure()
        self.types = []
        for detail in status.details:
            self.types.append(detail.type_url)
            for message in (self.error_info, self.bad_request, self.precondition_failure):
                if detail.Is(message.DESCRIPTOR):
                    detail.Unpack(message)

    def violations(self) -> dict[str, str]:
        return {v.field: v.reason for v in self.bad_request.field_violations}


def call_error(call, request, **kwargs) -> grpc.RpcError:
    """Makes a call that must fail and returns its error."""
    kwargs.setdefault("timeout", TIMEOUT)
    with pytest.raises(grpc.RpcError) as caught:
        call(request, **kwargs)
    return caught.value


def valid_user(user_id: str, **fields) -> pb.IdentifyUserRequest:
    return pb.IdentifyUserRequest(
        user_id=user_id, name=f"Name of {user_id}", email="someone@example.com", **fields
    )


def get_user(stub, user_id: str):
    return stub.GetUser(pb.GetUserRequest(user_id=user_id), timeout=TIMEOUT).user


def test_created_user_reads_back_identically(stub, new_id):
    user_id = new_id("ünï😀")
    properties = struct_pb2.Struct()
    properties.update({
        "plan": "pro",
        "seats": 42,
        "ratio": -0.125,
        "trial": False,
        "verified": True,
        "churned_at": None,
        "tags": ["beta", 7, None, True, {"deep": ["x"]}, []],
        "address": {"city": "Zürich", "geo": {"lat": 47.37, "lng": 8.54}, "lines": []},
        "ключ": "значение",
        "名前": "e\u0301 vs \u00e9",
        "emoji 😀": {"ключ": "значение", "n": 0},
        "empty": {},
    })
    # The API keeps created_at to the millisecond (the proto says so); nanos
    # here are whole milliseconds so that the round trip is exact.
    created_at = timestamp_pb2.Timestamp(seconds=1_700_000_000, nanos=123_000_000)
    request = pb.IdentifyUserRequest(
        user_id=user_id,
        name="Zoë Ünïcödé 😀 名前 e\u0301",
        email="zoe@example.com",
        phone_number="+14155550123",
        timezone="Europe/Paris",
        locale="fr-CA",
        properties=properties,
        created_at=created_at,
    )

    identified = stub.IdentifyUser(request, timeout=TIMEOUT)
    assert identified.created is True

    user = get_user(stub, user_id)
    assert user.id == user_id
    assert user.name == "Zoë Ünïcödé 😀 名前 e\u0301"  # not normalized to "é"
    assert user.email == "zoe@example.com"
    assert user.phone_number == "+14155550123"
    assert user.timezone == "Europe/Paris"
    assert user.locale == "fr-CA"
    assert not user.HasField("avatar")
    assert user.properties == properties
    assert (user.created_at.seconds, user.created_at.nanos) == (1_700_000_000, 123_000_000)
    assert user.HasField("updated_at") and user.updated_at.ToSeconds() > created_at.ToSeconds()
    assert user.version != ""
    assert user == identified.user  # what IdentifyUser returned is what is stored

    again = stub.IdentifyUser(pb.IdentifyUserRequest(user_id=user_id), timeout=TIMEOUT)
    assert again.created is False
    assert again.user.version != user.version  # every write changes it
    assert again.user.created_at == user.created_at
    assert again.user.properties == properties


def test_get_missing_user_is_not_found(stub, new_id):
    user_id = new_id("missing")
    err = call_error(stub.GetUser, pb.GetUserRequest(user_id=user_id))

    assert err.code() == grpc.StatusCode.NOT_FOUND
    details = Details(err)
    assert details.error_info.reason == "USER_NOT_FOUND"
    assert details.error_info.domain == DOMAIN
    assert details.error_info.metadata["user_id"] == user_id


def test_wrong_expected_version_is_aborted(stub, new_id):
    user_id = new_id()
    first = stub.IdentifyUser(valid_user(user_id), timeout=TIMEOUT).user
    current = stub.IdentifyUser(pb.IdentifyUserRequest(user_id=user_id, name="Second"), timeout=TIMEOUT).user
    assert current.version != first.version

    stale = pb.IdentifyUserRequest(user_id=user_id, name="Third", expected_version=first.version)
    err = call_error(stub.IdentifyUser, stale)

    assert err.code() == grpc.StatusCode.ABORTED
    details = Details(err)
    assert details.error_info.reason == "VERSION_MISMATCH"
    assert details.error_info.domain == DOMAIN
    assert details.error_info.metadata["expected_version"] == first.version
    assert details.error_info.metadata["actual_version"] == current.version
    assert [v.type for v in details.precondition_failure.violations] == ["VERSION"]
    assert get_user(stub, user_id) == current  # nothing was written

    fresh = pb.IdentifyUserRequest(user_id=user_id, name="Third", expected_version=current.version)
    written = stub.IdentifyUser(fresh, timeout=TIMEOUT)
    assert written.created is False
    assert written.user.name == "Third"
    assert written.user.version not in (first.version, current.version)


def test_bad_fields_are_invalid_argument_and_write_nothing(stub, new_id):
    user_id = new_id()
    properties = struct_pb2.Struct()
    properties.update({"$plan": "pro", "ok": 1})
    request = pb.IdentifyUserRequest(
        user_id=user_id,
        name="Bad Fields",
        email="not-an-email",
        phone_number="555-0123",
        timezone="Mars/Olympus_Mons",
        locale="not a locale",
        properties=properties,
    )
    err = call_error(stub.IdentifyUser, request)

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = Details(err)
    assert details.error_info.reason == "INVALID_ARGUMENT"
    assert details.error_info.domain == DOMAIN
    assert details.violations() == {
        "email": "INVALID_EMAIL",
        "phone_number": "INVALID_E164",
        "timezone": "UNKNOWN_TIMEZONE",
        "locale": "INVALID_LOCALE",
        'properties["$plan"]': "INVALID_KEY",
    }
    assert all(v.description for v in details.bad_request.field_violations)

    missing = call_error(stub.GetUser, pb.GetUserRequest(user_id=user_id))
    assert missing.code() == grpc.StatusCode.NOT_FOUND


def test_client_stream_deadline_is_honoured(stub, new_id, release):
    user_id = new_id()

    def one_message_then_block() -> Iterator[pb.BulkIdentifyUsersRequest]:
        yield pb.BulkIdentifyUsersRequest(users=[valid_user(user_id)])
        release.wait(timeout=60)  # set in teardown; the bound only guards a hung test

    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as caught:
        stub.BulkIdentifyUsers(one_message_then_block(), timeout=0.5)
    elapsed = time.monotonic() - started

    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert 0.45 <= elapsed < 5, f"failed after {elapsed:.3f} s"
    # The channel is still usable; and the partial batch, idle for far more
    # than 50 ms before the deadline, was written.
    assert get_user(stub, user_id).id == user_id


def test_bulk_identify_stream(stub, new_id):
    ids = [new_id(str(i)) for i in range(2500)]

    def messages() -> Iterator[pb.BulkIdentifyUsersRequest]:
        for chunk in (ids[:1000], ids[1000:2000], ids[2000:]):
            yield pb.BulkIdentifyUsersRequest(users=[valid_user(i) for i in chunk])

    result = stub.BulkIdentifyUsers(messages(), timeout=120)

    assert (result.received, result.created, result.updated, result.rejected) == (2500, 2500, 0, 0)
    assert len(result.rejections) == 0
    for user_id in (ids[0], ids[1999], ids[-1]):
        user = get_user(stub, user_id)
        assert (user.id, user.name, user.email) == (user_id, f"Name of {user_id}", "someone@example.com")


def test_stream_identify_acknowledges_positions(stub, new_id):
    requests: queue.Queue = queue.Queue()
    responses = stub.StreamIdentifyUsers(iter(requests.get, None), timeout=30)
    try:
        # Each message is sent only after the previous one is acknowledged, so
        # every acknowledgement covers exactly one message.
        requests.put(pb.StreamIdentifyUsersRequest(users=[valid_user(new_id("a0")), valid_user(new_id("a1"))]))
        first = next(responses)
        assert (first.next_position, first.created, first.updated) == (2, 2, 0)
        assert len(first.rejections) == 0

        bad = pb.IdentifyUserRequest(user_id=new_id("bad"), name="Bad", email="not-an-email")
        requests.put(pb.StreamIdentifyUsersRequest(users=[valid_user(new_id("a0")), bad, valid_user(new_id("b2"))]))
        second = next(responses)
        assert (second.next_position, second.created, second.updated) == (5, 1, 1)
        [rejection] = second.rejections
        assert (rejection.position, rejection.user_id) == (3, bad.user_id)
        assert [(v.field, v.reason) for v in rejection.violations] == [("email", "INVALID_EMAIL")]
    finally:
        requests.put(None)  # ends the request stream
    assert list(responses) == []  # the server ends its side with no further acknowledgement
    assert get_user(stub, new_id("b2")).id == new_id("b2")


@pytest.mark.parametrize("service", ["", SERVICE])
def test_health_serving(channel, service):
    health = health_pb2_grpc.HealthStub(channel)
    response = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT)
    assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_describes_the_service(channel):
    database = ProtoReflectionDescriptorDatabase(channel)
    services = database.get_services()
    assert SERVICE in services
    assert "grpc.health.v1.Health" in services

    reflected = descriptor_pool.DescriptorPool(database).FindServiceByName(SERVICE)
    identify = reflected.methods_by_name["IdentifyUser"]
    assert identify.input_type.full_name == "herald.users.v1.IdentifyUserRequest"
    assert identify.output_type.full_name == "herald.users.v1.IdentifyUserResponse"
    # The server and this client were built from the same service definition.
    generated = pb.DESCRIPTOR.services_by_name["UsersService"]
    assert [m.name for m in reflected.methods] == [m.name for m in generated.methods]


def test_generated_modules_import_and_ship_stubs():
    names = sorted(m.name for m in pkgutil.iter_modules(herald.users.v1.__path__))
    assert "users_service_pb2" in names and "users_service_pb2_grpc" in names
    for name in names:
        module = importlib.import_module(f"herald.users.v1.{name}")
        source = Path(module.__file__)
        assert source.with_suffix(".pyi").is_file(), f"no type stub next to {source}"
    for package in ("herald", "herald.users", "herald.users.v1"):
        for directory in importlib.import_module(package).__path__:
            assert (Path(directory) / "py.typed").is_file(), f"no py.typed in {directory}"
