"""Training on several devices and machines with ``tf.distribute``, and mixed precision.

keras-archs does not write its own data-parallel engine: a model built and compiled
inside ``strategy.scope()`` is trained by ``model.fit``, which splits every global
batch across the replicas and all-reduces the gradients (synchronous data
parallelism, as in Goyal et al. 2017, "Accurate, Large Minibatch SGD",
arXiv:1706.02677). This module chooses the strategy, checks the cluster description
(``TF_CONFIG``), sizes the global batch and picks the mixed-precision policy
(Micikevicius et al. 2018, "Mixed Precision Training", arXiv:1710.03740).

Strategies (``get_strategy``):

* ``"default"`` — one device (this CPU, or one GPU);
* ``"mirrored"`` — every GPU of this machine (or, with none, every logical CPU
  device, which is how the tests and the notebook simulate two replicas);
* ``"multiworker"`` — several machines/processes described by ``TF_CONFIG``;
* ``"tpu"`` — a Cloud TPU (``TPU_NAME``) or the TPU of a TPU VM;
* ``"auto"`` — TPU if one is configured, else ``mirrored`` on more than one GPU,
  else ``multiworker`` when ``TF_CONFIG`` lists several tasks, else ``default``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from pathlib import Path

__all__ = ["STRATEGIES", "MIXED_PRECISION_POLICIES", "get_strategy", "parse_tf_config",
           "strategy_name", "is_chief", "worker_run_dir", "global_batch_size",
           "check_global_batch", "resolve_mixed_precision", "dtype_policy_scope",
           "resolve_jit_compile", "distribute_dataset_options", "free_ports"]

STRATEGIES = ("auto", "default", "mirrored", "multiworker", "tpu")
# Accepted values of ``mixed_precision``; True and "auto" pick by device.
MIXED_PRECISION_POLICIES = ("mixed_float16", "mixed_bfloat16", "float32")
_TASK_TYPES = ("chief", "worker", "ps", "evaluator")


def _tf():
    import tensorflow as tf

    return tf


def parse_tf_config(text: str | None = None) -> dict | None:
    """Parse and check ``TF_CONFIG`` (the environment variable unless ``text``).

    Returns the dict, or ``None`` when it is unset or empty. Raises ValueError,
    naming TF_CONFIG, if it is not JSON, has no ``cluster`` of ``"host:port"``
    lists, or its ``task`` names a type or index that the cluster does not have.
    """
    if text is None:
        text = os.environ.get("TF_CONFIG", "")
    if not text.strip():
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"TF_CONFIG is not valid JSON ({err.msg} at character "
                         f"{err.pos}): {text[:80]!r}") from None
    if not isinstance(config, dict):
        raise ValueError(f"TF_CONFIG must be a JSON object, got {text[:80]!r}")
    cluster = config.get("cluster")
    if not isinstance(cluster, dict) or not cluster:
        raise ValueError(
            'TF_CONFIG needs a "cluster" object such as {"worker": ["host1:port", '
            f'"host2:port"]}}, got {cluster!r}')
    for job, addresses in cluster.items():
        if job not in _TASK_TYPES:
            raise ValueError(f"TF_CONFIG cluster job {job!r} is not one of "
                             f"{', '.join(_TASK_TYPES)}")
        if (not isinstance(addresses, list) or not addresses
                or not all(isinstance(a, str) and ":" in a for a in addresses)):
            raise ValueError(f'TF_CONFIG cluster["{job}"] must be a list of '
                             f'"host:port" strings, got {addresses!r}')
    task = config.get("task")
    if not isinstance(task, dict):
        raise ValueError('TF_CONFIG needs a "task" object such as {"type": "worker", '
                         f'"index": 0}}, got {task!r}')
    task_type, index = task.get("type"), task.get("index")
    if task_type not in cluster:
        raise ValueError(f"TF_CONFIG task type {task_type!r} is not a job of its "
                         f"cluster ({', '.join(cluster)})")
    if isinstance(index, bool) or not isinstance(index, int) \
            or not 0 <= index < len(cluster[task_type]):
        raise ValueError(
            f"TF_CONFIG task index {index!r} is out of range: the cluster has "
            f"{len(cluster[task_type])} {task_type!r} task(s), indices 0 to "
            f"{len(cluster[task_type]) - 1}")
    return config


def _num_tasks(config: dict | None) -> int:
    if not config:
        return 0
    cluster = config["cluster"]
    return len(cluster.get("worker", [])) + len(cluster.get("chief", []))


def _tpu_address() -> str | None:
    # Only local hints: TPUClusterResolver without them asks the cloud metadata
    # server, a network call that has no business on a laptop or CI machine.
    name = os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")
    if name:
        return name
    # A TPU VM: TPU device files plus the libtpu runtime (device files alone are not
    # proof: other accelerators and VFIO pass-through use the same paths).
    import importlib.util

    if (Path("/dev/accel0").exists() or Path("/dev/vfio/0").exists()) \
            and importlib.util.find_spec("libtpu") is not None:
        return "local"
    return None


def strategy_name(strategy) -> str:
    """A short name for a strategy: its class name, ``"default"`` for the default."""
    if strategy is None:
        return "default"
    if isinstance(strategy, _tf().distribute.MultiWorkerMirroredStrategy):
        return "MultiWorkerMirroredStrategy"  # its class is CollectiveAllReduceStrategy
    name = type(strategy).__name__
    return "default" if name.startswith("_Default") else name


def get_strategy(name: str = "auto", *, verbose: bool = True):
    """A ``tf.distribute.Strategy`` by name (see the module docstring).

    Create it first thing in a program: ``MultiWorkerMirroredStrategy`` must exist
    before TensorFlow runs any operation. Prints the choice and the replica count
    unless ``verbose=False``.
    """
    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}; "
                         f"got {name!r}")
    tf = _tf()
    tf_config = parse_tf_config()
    chosen = name
    if name == "auto":
        if _tpu_address():
            chosen = "tpu"
        elif len(tf.config.list_physical_devices("GPU")) > 1:
            chosen = "mirrored"
        elif _num_tasks(tf_config) > 1:
            chosen = "multiworker"
        else:
            chosen = "default"
    if chosen == "default":
        strategy = tf.distribute.get_strategy()
        where = (tf.config.list_logical_devices("GPU")
                 or tf.config.list_logical_devices("CPU"))[0].name
    elif chosen == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        strategy = tf.distribute.MirroredStrategy(devices)
        where = ", ".join(devices)
    elif chosen == "multiworker":
        if _num_tasks(tf_config) < 1:
            raise ValueError(
                "strategy 'multiworker' needs TF_CONFIG describing the cluster, e.g. "
                'TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                '"task": {"type": "worker", "index": 0}}\' on the first machine')
        if "ps" in tf_config["cluster"]:
            raise ValueError(
                "TF_CONFIG lists 'ps' (parameter server) tasks, which "
                "MultiWorkerMirroredStrategy does not use; list only 'worker' (and "
                "optionally one 'chief') tasks")
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        task = tf_config["task"]
        where = (f"{_num_tasks(tf_config)} workers, this is {task['type']} "
                 f"{task['index']}")
    else:  # tpu
        address = _tpu_address()
        if address is None:
            raise ValueError(
                "strategy 'tpu' found no TPU: set TPU_NAME (Cloud TPU) or run on a "
                "TPU VM; use strategy='auto' to fall back to the devices present")
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=address)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        strategy = tf.distribute.TPUStrategy(resolver)
        where = address
    if verbose:
        print(f"Strategy: {strategy_name(strategy)} "
              f"({strategy.num_replicas_in_sync} replica"
              f"{'s' if strategy.num_replicas_in_sync != 1 else ''}; {where})")
    return strategy


def _is_multiworker(strategy) -> bool:
    tf = _tf()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and \
        strategy.extended._in_multi_worker_mode()


def is_chief(strategy=None) -> bool:
    """Whether this process writes the run's results (always, unless multi-worker).

    In a multi-worker cluster the chief is the ``chief`` task, or worker 0 if the
    cluster has no ``chief`` job.
    """
    if strategy is None or not _is_multiworker(strategy):
        return True
    config = parse_tf_config() or {}
    task = config.get("task", {})
    if "chief" in config.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type") == "worker" and task.get("index") == 0


def worker_run_dir(run_dir, strategy=None) -> Path:
    """Where this process writes: ``run_dir`` for the chief, a sibling otherwise.

    Every worker of a multi-worker run saves a backup (each restores its own after
    a restart, and all restore the same weights because they are synchronised), but
    two processes must not write the same files, so worker ``i`` (not the chief)
    uses ``<run_dir>-worker<i>`` next to ``run_dir``.
    """
    run_dir = Path(run_dir)
    if is_chief(strategy):
        return run_dir
    task = (parse_tf_config() or {}).get("task", {})
    return run_dir.with_name(f"{run_dir.name}-{task.get('type')}{task.get('index')}")


def global_batch_size(per_replica_batch: int, strategy=None) -> int:
    """Global batch = per-replica batch × replicas in sync (the dataset's batch size)."""
    from keras_archs._validation import check_positive_int

    per_replica_batch = check_positive_int(per_replica_batch, "per_replica_batch")
    replicas = 1 if strategy is None else strategy.num_replicas_in_sync
    return per_replica_batch * replicas


def _first_batch_size(dataset) -> int | None:
    spec = dataset.element_spec
    first = spec[0] if isinstance(spec, tuple) else spec
    size = first.shape[0] if first.shape.rank else None
    if size is None:
        # The last batch may be partial, so the static size is unknown; look at one.
        for batch in dataset.take(1):
            images = batch[0] if isinstance(batch, tuple) else batch
            size = int(images.shape[0])
    return size


def check_global_batch(dataset, strategy, name: str = "train_ds") -> int | None:
    """Raise ValueError unless ``dataset``'s batches split evenly over the replicas.

    Datasets given to :func:`keras_archs.training.train` are batched with the
    *global* batch size: Keras splits each batch into one slice per replica.
    Returns the batch size found (``None`` for a single replica, where it is not
    looked up).
    """
    replicas = 1 if strategy is None else strategy.num_replicas_in_sync
    if replicas == 1 or dataset is None:
        return None
    size = _first_batch_size(dataset)
    if size is not None and size % replicas:
        per = max(size // replicas, 1)
        raise ValueError(
            f"{name} has batches of {size} examples, which the {replicas} replicas of "
            f"{strategy_name(strategy)} cannot share equally; batch it with the global "
            f"batch size = per-replica batch × {replicas}, e.g. {per * replicas} "
            f"(global_batch_size({per}, strategy))")
    return size


def _has_gpu() -> bool:
    return bool(_tf().config.list_physical_devices("GPU"))


def resolve_mixed_precision(mixed_precision, strategy=None) -> str | None:
    """The Keras dtype policy name for ``mixed_precision``, or ``None`` for none.

    ``False``/``None`` → ``None`` (float32, Keras' default); ``True`` or ``"auto"``
    → ``"mixed_float16"`` on GPU, ``"mixed_bfloat16"`` on CPU and TPU (CPUs and TPUs
    have bfloat16 but no fast float16). Explicit policy names are accepted;
    ``"mixed_float16"`` needs a GPU.
    """
    if mixed_precision is None or mixed_precision is False:
        return None
    tf = _tf()
    on_tpu = strategy is not None and isinstance(strategy, tf.distribute.TPUStrategy)
    if mixed_precision is True or mixed_precision == "auto":
        return "mixed_float16" if _has_gpu() and not on_tpu else "mixed_bfloat16"
    if mixed_precision not in MIXED_PRECISION_POLICIES:
        raise ValueError(
            "mixed_precision must be True, False, 'auto' or one of "
            f"{', '.join(MIXED_PRECISION_POLICIES)}; got {mixed_precision!r}")
    if mixed_precision == "mixed_float16" and (on_tpu or not _has_gpu()):
        raise ValueError(
            "mixed_precision='mixed_float16' is unsupported here: float16 compute needs "
            "a GPU and none is visible (TPUs and CPUs use bfloat16); pass "
            "mixed_precision=True to pick 'mixed_bfloat16' on this device")
    return None if mixed_precision == "float32" else mixed_precision


@contextlib.contextmanager
def dtype_policy_scope(policy: str | None):
    """Set Keras' global dtype policy inside the block and restore it afterwards.

    Layers take the global policy when they are built, so a model built in the
    block keeps ``policy`` while code outside it is unaffected.
    """
    import keras

    if policy is None:
        yield
        return
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def resolve_jit_compile(jit_compile=None, strategy=None):
    """XLA setting for ``model.compile``: off on CPU unless asked for, else ``"auto"``.

    On this project's CPU machine XLA made training 4–5× slower, so ``None`` means
    off there; on GPU/TPU ``None`` leaves Keras' ``"auto"`` (XLA where supported).
    """
    if jit_compile not in (None, True, False, "auto"):
        raise ValueError(f"jit_compile must be None, True, False or 'auto'; "
                         f"got {jit_compile!r}")
    tf = _tf()
    accelerated = _has_gpu() or (strategy is not None and
                                 isinstance(strategy, tf.distribute.TPUStrategy))
    if jit_compile is None:
        return "auto" if accelerated else False
    if jit_compile is True and not accelerated:
        print("Note: jit_compile=True on CPU; XLA was 4-5x slower than plain "
              "TensorFlow on the CPU machines this package is tested on.")
    return jit_compile


def distribute_dataset_options(dataset, strategy):
    """Shard a dataset by examples across workers of a multi-worker strategy.

    tf.distribute's default policy (AUTO) shards by input file and, for in-memory
    data, falls back to sharding by example with a warning; keras-archs' pipelines
    are in memory or cached, so DATA is the right policy. A policy the caller set on
    the dataset (anything but AUTO) is kept.
    """
    if dataset is None or strategy is None or not _is_multiworker(strategy):
        return dataset
    tf = _tf()
    auto = tf.data.experimental.AutoShardPolicy.AUTO
    if dataset.options().experimental_distribute.auto_shard_policy != auto:
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = \
        tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


@contextlib.contextmanager
def _keras_multiworker_fit(model, strategy):
    """Work around Keras 3's broken ``fit`` under MultiWorkerMirroredStrategy.

    keras-team/keras#20585 (open): two code paths of the TensorFlow trainer fail
    with several workers — the symbolic build reduces a *data* batch across workers
    (``Attempt to convert a value (PerReplica...)``) and the per-step metric
    reduction reduces scalars along axis 0 (``Invalid reduction dimension 0``).
    For the duration of ``fit`` only, the model defers its build to the first traced
    step (as without a strategy, with ``fit`` run inside the scope so it still
    distributes) and scalar metrics are averaged over all replicas. Other
    strategies are untouched.
    """
    if not _is_multiworker(strategy):
        yield
        return
    import keras.src.backend.tensorflow.trainer as tf_trainer

    tf = _tf()
    original = tf_trainer.reduce_per_replica

    def reduce_per_replica(values, strategy_, reduction):
        if reduction in ("auto", "mean") and \
                tf_trainer._collective_all_reduce_multi_worker(strategy_):
            return tf.nest.map_structure(
                lambda v: strategy_.reduce("MEAN", v, axis=None), values)
        return original(values, strategy_, reduction)

    saved_strategy = model._distribute_strategy
    model._distribute_strategy = None
    tf_trainer.reduce_per_replica = reduce_per_replica
    try:
        with strategy.scope():
            yield
    finally:
        tf_trainer.reduce_per_replica = original
        model._distribute_strategy = saved_strategy


def free_ports(n: int) -> list[int]:
    """``n`` distinct free TCP ports on 127.0.0.1, for a local multi-worker cluster.

    The ports are closed again before returning, so another process could take one
    first; that is rare, and a worker that cannot bind fails at start-up.
    """
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
