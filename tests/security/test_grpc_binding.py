"""Where TensorFlow's own gRPC servers listen: every interface of their port.

TensorFlow 2.21 binds its servers (the tf.data service's dispatcher and workers, and
the collective servers of `MultiWorkerMirroredStrategy`, the same gRPC server code) to
`0.0.0.0:port` / `[::]:port` and offers no host to bind to, so the library cannot
keep them on 127.0.0.1; docs/DISTRIBUTED.md and docs/RELIABILITY.md say to firewall
those ports. This test shows it on real servers and fails when TensorFlow changes
(then bind them to 127.0.0.1 by default).
"""

import os

import pytest

from tests.training.cluster import free_ports
from tfk_tokfrag.training.data_service import start_data_worker, start_dispatcher

LISTEN = "0A"


def _listening_hosts(port: int) -> set[str]:
    """The local addresses (hex, as /proc/net/tcp* writes them) listening on `port`."""
    hosts = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                host, hex_port = fields[1].split(":")
                if int(hex_port, 16) == port and fields[3] == LISTEN:
                    hosts.add(host)
    return hosts


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's /proc/net")
def test_tf_data_service_servers_listen_on_every_interface():
    dispatcher_port, worker_port = free_ports(2)
    dispatcher = start_dispatcher(dispatcher_port)
    worker = start_data_worker(dispatcher.target, port=worker_port)
    for port in (dispatcher_port, worker_port):
        hosts = _listening_hosts(port)
        assert hosts, f"nothing listens on port {port}"
        # All zeros: 0.0.0.0 or [::], every interface (loopback is 0100007F / ...01).
        assert all(set(host) == {"0"} for host in hosts), hosts
    del worker, dispatcher
