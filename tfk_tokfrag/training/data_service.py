"""The `tf.data` service: a training pipeline run by other processes (or machines).

When decoding and tokenizing outgrow the trainer's CPUs, a dispatcher and any number
of workers (`start_dispatcher`, `start_data_worker`, or `tfk-tokfrag data-service
dispatcher|worker`) run the pipeline; the trainer only receives the batches
(`distribute_pipeline`, `train_model(..., data_service=ADDRESS)`,
`tfk-tokfrag train ... --data-service ADDRESS`).
"""

from __future__ import annotations

import os

import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.training.distribute import reachable_within

PROTOCOL = "grpc"


def service_address(address: str) -> str:
    """`host:port` or `grpc://host:port` -> `grpc://host:port` (checked).

    Raises:
        ValueError: no port, or another protocol.
    """
    if not isinstance(address, str) or not address:
        raise ValueError(f"data_service must be 'HOST:PORT'. Received: {address!r}")
    rest = address
    if "://" in address:
        protocol, rest = address.split("://", 1)
        if protocol != PROTOCOL:
            raise ValueError(
                f"data_service supports the {PROTOCOL}:// protocol. Received: {address!r}"
            )
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"data_service must be 'HOST:PORT'. Received: {address!r}")
    return f"{PROTOCOL}://{rest}"


def _without_cardinality_assertions(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset` with its `assert_cardinality` steps taken out (our loaders' and
    TFDS's), rebuilt from its serialized graph.

    A service worker given part of an epoch (`distributed_epoch`) reads part of the
    source, and those assertions of the whole source's size would fail on it. The
    graph is the one the service itself serializes (`_as_serialized_graph`).
    """
    graph = tf.compat.v1.GraphDef.FromString(
        dataset._as_serialized_graph(strip_device_assignment=True).numpy()
    )
    asserts = {n.name: n.input[0] for n in graph.node if n.op == "AssertCardinalityDataset"}
    if not asserts:
        return dataset

    def source_of(name: str) -> str:
        while name in asserts:
            name = asserts[name].split(":")[0]
        return name

    kept = [n for n in graph.node if n.name not in asserts]
    for node in kept:
        for i, name in enumerate(node.input):
            base = name.lstrip("^").split(":")[0]
            if base in asserts:
                node.input[i] = name.replace(base, source_of(base), 1)
    del graph.node[:]
    graph.node.extend(kept)
    variant = tf.raw_ops.DatasetFromGraph(graph_def=graph.SerializeToString())
    return tf.data.experimental.from_variant(variant, dataset.element_spec)


def distribute_pipeline(dataset: tf.data.Dataset, address: str, *,
                        batch_size: int | None = None,
                        job_name: str | None = None) -> tf.data.Dataset:
    """`dataset`'s elements, produced by the `tf.data` service at `address`.

    The whole pipeline before this call (reading, decoding, shuffling, batching,
    tokenizing) runs on the service's workers, each epoch split between them by input
    (`processing_mode="distributed_epoch"`: each worker reads the source's files, or
    elements, that the dispatcher hands it; every element once per epoch, in the
    order the workers deliver them). A source of one file is read by one worker; a
    sharded or many-file source spreads over all of them. The workers must read the
    same files at the same paths (one machine, or shared storage), and the pipeline
    must not capture state of this process (a `tf.Variable`), which cannot be sent to
    them.

    With `batch_size` (the pipeline's batch size), the batches are cut again to that
    size on the trainer: each worker batches only its share, so its last batch is
    short, and the trainer's batches are full again; a finite pipeline then keeps its
    number of batches (checked), so `fit` knows its steps without reading an epoch
    first. Assertions of the source's size inside the pipeline are taken out, since
    each worker reads only part of it. Without `batch_size`, the workers' batches
    come as they are, and a source whose size is asserted (every loader of this
    package) must be served by one worker.

    With `job_name`, trainers asking for the same job share its elements (several
    trainers, each element once); without, each iteration (each epoch of `fit`) is a
    job of its own.
    """
    address = service_address(address)
    cardinality = int(dataset.cardinality())
    if batch_size is not None:
        batch_size = _validation.positive_int("batch_size", batch_size)
        dataset = _without_cardinality_assertions(dataset)
    distributed = dataset.apply(tf.data.experimental.service.distribute(
        processing_mode=tf.data.experimental.service.ShardingPolicy.DYNAMIC,
        service=address,
        job_name=job_name,
    ))
    if batch_size is not None:
        # Shorter clips padded again to the longest of each new batch (for masks
        # that read trailing zeros as padding, the same clips).
        distributed = distributed.unbatch().padded_batch(batch_size)
        if cardinality >= 0:
            distributed = distributed.take(cardinality)
    if cardinality >= 0:
        distributed = distributed.apply(tf.data.experimental.assert_cardinality(cardinality))
    return distributed.prefetch(tf.data.AUTOTUNE)


def start_dispatcher(port: int = 0, work_dir: str | os.PathLike | None = None
                     ) -> tf.data.experimental.service.DispatchServer:
    """Starts a `tf.data` service dispatcher in this process (`port=0`: a free one;
    its address is `server.target`). With `work_dir`, it records its state there and
    a restarted dispatcher continues its jobs (`fault_tolerant_mode`).

    TensorFlow's server listens on every network interface of the port: on a shared
    network, firewall it (TensorFlow offers no host to bind to).
    """
    config = tf.data.experimental.service.DispatcherConfig(
        port=int(port),
        protocol=PROTOCOL,
        work_dir=None if work_dir is None else os.fspath(work_dir),
        fault_tolerant_mode=work_dir is not None,
    )
    return tf.data.experimental.service.DispatchServer(config)


def start_data_worker(dispatcher: str, port: int = 0, worker_host: str = "127.0.0.1",
                      dispatcher_timeout: float = 60.0
                      ) -> tf.data.experimental.service.WorkerServer:
    """Starts a `tf.data` service worker in this process, registered with the
    dispatcher at `dispatcher` (`host:port`). `worker_host`: the name other
    processes reach it by (this machine's address on a cluster of machines).

    Raises:
        TimeoutError: the dispatcher not reachable within `dispatcher_timeout`
            seconds (TensorFlow's worker would retry for an hour, ignoring SIGTERM).
    """
    dispatcher = service_address(dispatcher)
    if not reachable_within(dispatcher.split("://", 1)[1], dispatcher_timeout):
        raise TimeoutError(
            f"the tf.data service dispatcher at {dispatcher} could not be reached within "
            f"{dispatcher_timeout:g} s: start it first (tfk-tokfrag data-service "
            "dispatcher --port PORT) and check the address."
        )
    config = tf.data.experimental.service.WorkerConfig(
        dispatcher_address=dispatcher.split("://", 1)[1],
        port=int(port),
        protocol=PROTOCOL,
        worker_address=f"{worker_host}:%port%",
        dispatcher_timeout_ms=int(1000 * dispatcher_timeout),
    )
    return tf.data.experimental.service.WorkerServer(config)
