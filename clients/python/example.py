"""The Users service from Python: identify a user and read it back,
bulk-identify users over a client stream, and decode the details of an error.

    USERS_SERVICE_ADDR=localhost:50051 python example.py
"""

import json
import os
import sys
import uuid

import grpc
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from google.rpc.error_details_pb2 import BadRequest, ErrorInfo
from grpc_status import rpc_status

from herald.users.v1 import users_service_pb2 as users_v1
from herald.users.v1 import users_service_pb2_grpc as users_v1_grpc


def main() -> None:
    addr = os.environ.get("USERS_SERVICE_ADDR", "localhost:50051")
    run_id = uuid.uuid4().hex[:12]  # ids unique per run

    with grpc.insecure_channel(addr) as channel:
        client = users_v1_grpc.UsersServiceStub(channel)

        # 1. Identify (create or update) a user with nested properties, then read it back.
        properties = Struct()
        properties.update({
            "plan": "pro",
            "address": {"city": "Paris", "zip": "75001"},
            "tags": ["beta", "early-adopter"],
        })
        user_id = f"{run_id}-ada"
        client.IdentifyUser(
            users_v1.IdentifyUserRequest(
                user_id=user_id, name="Ada Lovelace", email="ada@example.com", properties=properties
            ),
            timeout=10,
        )
        user = client.GetUser(users_v1.GetUserRequest(user_id=user_id), timeout=10).user
        props_json = json.dumps(MessageToDict(user.properties), separators=(",", ":"))
        print(f"read back: {user.id} {user.name} properties={props_json}")

        # 2. Identify 3000 users over one client stream, up to 1000 per message.
        def messages():
            for start in range(0, 3000, 1000):
                yield users_v1.BulkIdentifyUsersRequest(users=[
                    users_v1.IdentifyUserRequest(
                        user_id=f"{run_id}-{i}", name=f"User {i}", email=f"user{i}@example.com"
                    )
                    for i in range(start, start + 1000)
                ])

        result = client.BulkIdentifyUsers(messages(), timeout=120)
        print(f"bulk identify: created={result.created} updated={result.updated} rejected={result.rejected}")

        # 3. A bad request: the error's details say which fields are wrong, and why.
        try:
            client.IdentifyUser(
                users_v1.IdentifyUserRequest(
                    user_id=f"{run_id}-bad", name="Bad", email="not-an-email", phone_number="555-0123"
                ),
                timeout=10,
            )
            sys.exit("expected INVALID_ARGUMENT, but the request succeeded")
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.INVALID_ARGUMENT:
                raise
            bad_request, info = BadRequest(), ErrorInfo()
            for detail in rpc_status.from_call(err).details:  # google.protobuf.Any each
                if detail.Is(BadRequest.DESCRIPTOR):
                    detail.Unpack(bad_request)
                elif detail.Is(ErrorInfo.DESCRIPTOR):
                    detail.Unpack(info)
            for violation in bad_request.field_violations:
                print(f"bad request: {violation.field}: {violation.description}")
            print(f"reason: {info.reason}")


if __name__ == "__main__":
    try:
        main()
    except grpc.RpcError as err:
        sys.exit(f"error: {err.code().name}: {err.details()}")
