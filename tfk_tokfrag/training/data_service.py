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


def distribute_pipeline(dataset: tf.data.Dataset, address: str, *,
                        job_name: str | None = None) -> tf.data.Dataset:
    """`dataset`'s elements, produced by the `tf.data` service at `address`.

    The whole pipeline before this call (reading, decoding, shuffling, batching,
    tokenizing) runs on the service's workers, each epoch split between them by input
    (`processing_mode="distributed_epoch"`: every element once per epoch, in the
    order the workers deliver them). Our loaders assert their number of examples,
    and TensorFlow splits a pipeline between workers by its input files: a source
    of one file must be served by one worker (the others would read nothing and fail
    that assertion). The workers must read the same files at the same
    paths (one machine, or shared storage), and the pipeline must not capture state
    of this process (a `tf.Variable`), which cannot be sent to them. The number of
    batches of a finite pipeline is kept (`assert_cardinality`), so `fit` knows its
    steps without reading an epoch first.

    With `job_name`, trainers asking for the same job share its elements (several
    trainers, each element once); without, each iteration (each epoch of `fit`) is a
    job of its own.
    """
    address = service_address(address)
    cardinality = int(dataset.cardinality())
    distributed = dataset.apply(tf.data.experimental.service.distribute(
        processing_mode=tf.data.experimental.service.ShardingPolicy.DYNAMIC,
        service=address,
        job_name=job_name,
    ))
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
