"""The suite-wide guard: any connection or lookup that would leave the machine fails at once."""

import socket

import pytest

from tests.conftest import NetworkBlocked


def test_non_loopback_connections_and_lookups_are_refused():
    with socket.socket() as s, pytest.raises(NetworkBlocked):
        s.connect(("93.184.216.34", 80))
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("huggingface.co", 443)


def test_loopback_still_works():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket() as client:
            client.connect(server.getsockname())
            assert client.getpeername()[0] == "127.0.0.1"
