"""`resolve_strategy`: the `tf.distribute` strategy a training run asks for by name;
`WorkerFiles`: where each worker of a cluster writes; `shard_by_data` and
`file_sharding`: how the workers split the training data."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import socket
import tempfile
import time

import tensorflow as tf

from tfk_tokfrag.data.registry import is_folder
from tfk_tokfrag.data.tfrecords import is_tfrecord_source, pipeline_num_examples

STRATEGIES = ("mirrored", "multi_worker")
# How long a worker waits for every peer named in TF_CONFIG to listen (seconds).
DEFAULT_PEER_TIMEOUT = 300.0


@functools.lru_cache(maxsize=1)
def _mirrored() -> tf.distribute.MirroredStrategy:
    # One per process: two MirroredStrategy objects number their collective ops
    # alike, and a model of one then waits on the other's all-reduce ("Shape mismatch
    # in the collective instance").
    return tf.distribute.MirroredStrategy()


def tf_config() -> dict:
    """The cluster of this process from the `TF_CONFIG` environment variable, checked.

    The standard format: `{"cluster": {"worker": ["host:port", ...]},
    "task": {"type": "worker", "index": i}}` (a `"chief"` job may be listed too).

    Raises:
        ValueError: `TF_CONFIG` is missing, not JSON, or names no task of its cluster.
    """
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise ValueError(
            "strategy='multi_worker' reads the cluster from the TF_CONFIG environment "
            "variable, which is not set. Example: TF_CONFIG='{\"cluster\": {\"worker\": "
            "[\"127.0.0.1:12345\", \"127.0.0.1:12346\"]}, \"task\": {\"type\": \"worker\", "
            "\"index\": 0}}'"
        )
    try:
        config = json.loads(text)
        task = config["task"]
        addresses = config["cluster"][task["type"]]
        addresses[int(task["index"])]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise ValueError(
            "TF_CONFIG must be JSON with a 'cluster' of jobs and a 'task' (type, index) "
            f"in it ({type(error).__name__}: {error}). Received: TF_CONFIG={text!r}"
        ) from None
    return config


def wait_for_peers(config: dict, timeout: float) -> None:
    """Returns when every other task of `config`'s cluster accepts TCP connections.

    TensorFlow's `MultiWorkerMirroredStrategy()` waits for its peers without a time
    limit (and ignores SIGTERM meanwhile); this bounds the wait.

    Raises:
        TimeoutError: naming the tasks not reachable after `timeout` seconds.
    """
    task = config["task"]
    me = (task["type"], int(task["index"]))
    missing = {
        (job, i): address
        for job, addresses in config["cluster"].items()
        for i, address in enumerate(addresses)
        if (job, i) != me
    }
    # Listen on our own port meanwhile, so peers waiting for us see us (TensorFlow's
    # server takes the port over once the strategy starts).
    own = config["cluster"][me[0]][me[1]]
    listener = _listen(own)
    deadline = time.monotonic() + timeout
    try:
        while missing:
            for key, address in list(missing.items()):
                if _reachable(address):
                    del missing[key]
            if missing and time.monotonic() > deadline:
                names = ", ".join(f"{job} {i} at {a}" for (job, i), a in missing.items())
                raise TimeoutError(
                    f"{me[0]} {me[1]} could not reach {names} within {timeout:g} s "
                    "(peer_timeout). Start every worker of TF_CONFIG's cluster, with the "
                    "same cluster and its own task index, and check the addresses and "
                    "firewalls."
                )
            time.sleep(0.2)
    finally:
        if listener is not None:
            listener.close()


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def _listen(address: str):
    try:
        listener = socket.create_server(_host_port(address))
    except OSError:
        return None  # taken already (a restarted TensorFlow server): nothing to add
    return listener


def _reachable(address: str) -> bool:
    try:
        with socket.create_connection(_host_port(address), timeout=1.0):
            return True
    except OSError:
        return False


def reachable_within(address: str, timeout: float) -> bool:
    """Whether `host:port` accepts a TCP connection within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not _reachable(address):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@functools.lru_cache(maxsize=1)
def _multi_worker(peer_timeout: float) -> tf.distribute.MultiWorkerMirroredStrategy:
    wait_for_peers(tf_config(), peer_timeout)
    return tf.distribute.MultiWorkerMirroredStrategy()


def resolve_strategy(strategy, *, peer_timeout: float = DEFAULT_PEER_TIMEOUT
                     ) -> tf.distribute.Strategy | None:
    """`None`, a strategy name or a `tf.distribute.Strategy` -> the strategy to use.

    - `None`: no strategy (TensorFlow's default, one device).
    - `"mirrored"`: `tf.distribute.MirroredStrategy()` over every GPU of this machine,
      or its CPU when it has none (several logical CPUs count as several devices).
      The batch size of the recipe is the global batch, split across the replicas;
      gradients are summed across them (all-reduce) every step. The same object is
      returned on every call in a process.
    - `"multi_worker"`: `tf.distribute.MultiWorkerMirroredStrategy()` over the cluster
      the `TF_CONFIG` environment variable describes (every worker runs the same
      command with its own task index). The batch size is the global batch across
      all workers' replicas. Waits at most `peer_timeout` seconds for every worker to
      be up, then fails with a `TimeoutError` naming the missing ones. Create it
      before TensorFlow runs anything else in the process (TensorFlow's rule).
    - a `tf.distribute.Strategy` instance: used as it is.

    Raises:
        ValueError: an unknown name (the message lists the known ones), or a missing
            or malformed `TF_CONFIG` for `"multi_worker"`.
        TimeoutError: a peer of the cluster not reachable within `peer_timeout`.
    """
    if strategy is None or isinstance(strategy, tf.distribute.Strategy):
        return strategy
    if strategy == "mirrored":
        return _mirrored()
    if strategy == "multi_worker":
        if not peer_timeout > 0:
            raise ValueError(f"peer_timeout must be > 0. Received: {peer_timeout!r}")
        return _multi_worker(float(peer_timeout))
    raise ValueError(
        f"strategy must be None, one of {STRATEGIES} or a tf.distribute.Strategy. "
        f"Received: strategy={strategy!r}"
    )


def is_chief(strategy: tf.distribute.Strategy | None) -> bool:
    """Whether this process writes the run's outputs: True except on the workers of a
    multi-worker cluster other than its chief (the `"chief"` task, or worker 0 when
    the cluster has no chief job)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or (
        resolver is None or not resolver.task_type
    ):
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


class WorkerFiles:
    """Where this worker writes the run's files (TensorFlow's `write_filepath` pattern).

    On the chief, every path is itself. On the other workers of a cluster, a path
    maps to a private temporary folder: they run the same saves and logs (saving a
    distributed model is a collective step every worker takes part in) without
    touching the chief's files; `cleanup()` removes the folder.
    """

    def __init__(self, strategy: tf.distribute.Strategy | None):
        self.chief = is_chief(strategy)
        self._folder = None
        self._paths: dict[str, str] = {}

    def path(self, path: str | os.PathLike | None) -> str | None:
        """`path` on the chief; elsewhere a private path, one per distinct `path`
        (two outputs of the same name in different folders stay apart)."""
        if path is None or self.chief:
            return None if path is None else os.fspath(path)
        if self._folder is None:
            self._folder = tempfile.mkdtemp(prefix="tfk_tokfrag-worker-")
        key = os.path.abspath(os.fspath(path))
        if key not in self._paths:
            name = os.path.basename(os.path.normpath(key)) or "output"
            self._paths[key] = os.path.join(self._folder, str(len(self._paths)), name)
        return self._paths[key]

    def cleanup(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
            self._paths.clear()


def shard_by_data(dataset: tf.data.Dataset, strategy: tf.distribute.Strategy | None
                  ) -> tf.data.Dataset:
    """`dataset` split by examples across the workers of a multi-worker `strategy`.

    TensorFlow's default (`AutoShardPolicy.AUTO`) splits by input file and fails
    when a pipeline reads fewer files than there are workers (a cache file, one
    array file). `DATA`: every worker runs the same seeded pipeline and keeps its part
    of each global batch, so each example is seen once per epoch across the cluster
    and the steps are those one worker takes on the global batch. A pipeline that
    chose its policy already (sharded TFRecords read per worker) is left as it is;
    so is every pipeline without a multi-worker strategy.
    """
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return dataset
    policy = tf.data.experimental.AutoShardPolicy
    if dataset.options().experimental_distribute.auto_shard_policy != policy.AUTO:
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = policy.DATA
    return dataset.with_options(options)


def worker_input_context(strategy: tf.distribute.Strategy | None
                         ) -> tf.distribute.InputContext | None:
    """This worker's input pipeline among a cluster's (one per worker), or `None`
    without a multi-worker strategy or on a cluster of one."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return None
    resolver = strategy.cluster_resolver
    jobs = resolver.cluster_spec().as_dict()
    tasks = [(job, index) for job in ("chief", "worker")
             for index in range(len(jobs.get(job, [])))]
    if len(tasks) < 2:
        return None
    return tf.distribute.InputContext(
        num_input_pipelines=len(tasks),
        input_pipeline_id=tasks.index((resolver.task_type, resolver.task_id)),
        num_replicas_in_sync=strategy.num_replicas_in_sync,
    )


@dataclasses.dataclass(frozen=True)
class FileSharding:
    """How the workers of a cluster split sharded TFRecords: by whole files."""

    worker: int  # this worker's input pipeline
    examples: tuple[int, ...]  # in each worker's files
    per_replica_batch: int
    replicas_per_worker: int
    steps: int  # training steps an epoch, the same on every worker


def file_sharding(dataset, strategy: tf.distribute.Strategy | None, batch_size: int,
                  max_steps_per_epoch: int | None = None) -> FileSharding | None:
    """Whether each worker reads its own files of `dataset`'s train split.

    Yes for sharded TFRecords on a multi-worker strategy when there are at least as
    many files as workers, the global `batch_size` splits evenly over the replicas
    and every worker's files hold the same number of steps: worker `i` reads files
    `i, i + n, ...` (`read_tfrecords`) in batches of `batch_size / replicas` for its
    replicas (`file_sharded_dataset`), so a step still takes `batch_size` examples in
    all, and every worker takes the same steps. What an epoch leaves out is at most
    each worker's last partial batch (reshuffled, other examples the next epoch).
    `None` otherwise (too few files, or shares a step or more apart, whose larger
    ones would go partly unread): the strategy then splits the examples of one
    shared pipeline (`shard_by_data`), each example once per epoch;
    `plan_file_sharding` also says why.
    """
    return plan_file_sharding(dataset, strategy, batch_size, max_steps_per_epoch)[0]


def plan_file_sharding(dataset, strategy: tf.distribute.Strategy | None, batch_size: int,
                       max_steps_per_epoch: int | None = None
                       ) -> tuple[FileSharding | None, str | None]:
    """`(file_sharding(...), why not)`: why the workers of a cluster cannot each read
    their own TFRecord files of `dataset` (a sentence), `None` when they can or when
    there is nothing to shard by file (no cluster, or not sharded TFRecords)."""
    context = worker_input_context(strategy)
    if context is None or not (is_folder(dataset) and is_tfrecord_source(dataset)):
        return None, None
    replicas = strategy.num_replicas_in_sync
    workers = context.num_input_pipelines
    if batch_size % replicas or replicas % workers:
        return None, (f"the batch size {batch_size} does not split evenly over "
                      f"{replicas} replicas on {workers} workers")
    try:
        counts = pipeline_num_examples(dataset, workers, "train")
    except ValueError as error:  # fewer files than workers
        return None, str(error)
    per_replica = batch_size // replicas
    local = replicas // workers
    steps = min(counts) // (per_replica * local)
    if max(counts) // (per_replica * local) != steps:
        # A larger share would leave whole steps of examples unread.
        return None, (f"the workers' files hold {min(counts)} to {max(counts)} examples, "
                      f"a step ({per_replica * local} examples a worker) or more apart")
    if max_steps_per_epoch:
        steps = min(steps, max_steps_per_epoch)
    if steps < 1:
        return None, (f"a worker's files ({min(counts)} examples) hold less than one "
                      f"step ({per_replica * local} examples a worker)")
    return FileSharding(context.input_pipeline_id, tuple(counts), per_replica, local,
                        steps), None


def file_sharded_dataset(sharding: FileSharding, strategy: tf.distribute.Strategy,
                         pipeline) -> tf.distribute.DistributedDataset:
    """The distributed training data of `sharding`: `pipeline(input_context,
    per_replica_batch)` gives a worker's batches (of its own files, last partial
    batch dropped); each worker yields `steps` batches per local replica, and Keras
    counts the steps from it (`strategy.distribute_datasets_from_function`)."""

    def per_worker(context: tf.distribute.InputContext) -> tf.data.Dataset:
        batches = pipeline(context, sharding.per_replica_batch)
        return batches.take(sharding.steps * sharding.replicas_per_worker)

    return strategy.distribute_datasets_from_function(per_worker)
