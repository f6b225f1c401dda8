"""Fixtures for the interop tests: a channel to the Users service named by
USERS_SERVICE_ADDR (host:port, plaintext). The tests fail, never skip, when
it is not set or the server does not answer."""

import os
import threading
import uuid
from collections.abc import Callable, Iterator

import grpc
import pytest

from herald.users.v1 import users_service_pb2_grpc

CONNECT_TIMEOUT_SECONDS = 15


@pytest.fixture(scope="session")
def address() -> str:
    addr = os.environ.get("USERS_SERVICE_ADDR", "").strip()
    if not addr:
        pytest.fail(
            "USERS_SERVICE_ADDR is not set: point it at a running Users service, e.g. "
            "USERS_SERVICE_ADDR=127.0.0.1:50051 python -m pytest clients/python/tests/interop",
            pytrace=False,
        )
    return addr


@pytest.fixture(scope="session")
def channel(address: str) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(address) as ch:
        try:
            grpc.channel_ready_future(ch).result(timeout=CONNECT_TIMEOUT_SECONDS)
        except grpc.FutureTimeoutError:
            pytest.fail(
                f"the Users service at USERS_SERVICE_ADDR={address} did not answer within "
                f"{CONNECT_TIMEOUT_SECONDS} s",
                pytrace=False,
            )
        yield ch


@pytest.fixture(scope="session")
def stub(channel: grpc.Channel) -> users_service_pb2_grpc.UsersServiceStub:
    return users_service_pb2_grpc.UsersServiceStub(channel)


@pytest.fixture
def new_id(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Makes user ids unique to this test run: the database is shared."""
    suffix = uuid.uuid4().hex

    def make(label: str = "user") -> str:
        return f"py-interop-{request.node.name}-{label}-{suffix}"

    return make


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event that blocked request iterators wait on; set in teardown so
    that no thread of the test outlives it."""
    event = threading.Event()
    yield event
    event.set()
