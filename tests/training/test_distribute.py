"""Strategies: choice and validation in-process; MirroredStrategy over two logical CPU
devices and MultiWorkerMirroredStrategy over two localhost processes in subprocesses
(logical devices and collective ops are fixed per process, so the rest of the suite
stays on the plain CPU)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from keras_archs.training import distribute as dist
from keras_archs.training import global_batch_size, train

GPUS = len(tf.config.list_physical_devices("GPU"))

WORKER = Path(__file__).with_name("_worker.py")
REPO = Path(__file__).resolve().parents[2]


def _env(**extra):
    # The subprocesses train on the CPU whatever this machine has (CUDA_VISIBLE_DEVICES
    # hides any GPU): the tests check logical CPU devices and compare runs number for
    # number, which GPU kernels (and two workers sharing one GPU) would not allow.
    env = dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2",
               CUDA_VISIBLE_DEVICES="")
    env.pop("TF_CONFIG", None)
    env.update(extra)
    return env


def _start(opts, **env):
    return subprocess.Popen([sys.executable, str(WORKER), json.dumps(opts)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=_env(**env))


def _result(out):
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    assert lines, out[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


# --- choosing a strategy --------------------------------------------------------------

def test_unknown_strategy_name_lists_the_choices():
    with pytest.raises(ValueError, match="strategy must be one of auto, default, "
                                         "mirrored, multiworker, tpu; got 'gpu'"):
        dist.get_strategy("gpu")


def test_auto_picks_by_the_devices_of_this_machine(monkeypatch, capsys):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.delenv("TPU_NAME", raising=False)
    monkeypatch.delenv("COLAB_TPU_ADDR", raising=False)
    strategy = dist.get_strategy("auto")
    out = capsys.readouterr().out
    if GPUS > 1:  # every GPU of the machine
        assert isinstance(strategy, tf.distribute.MirroredStrategy)
        assert strategy.num_replicas_in_sync == GPUS
        assert f"Strategy: MirroredStrategy ({GPUS} replicas; /device:GPU:0, " in out
    else:  # one device: the GPU if there is one, else the CPU
        assert strategy is tf.distribute.get_strategy()
        assert strategy.num_replicas_in_sync == 1
        device = "/device:GPU:0" if GPUS else "/device:CPU:0"
        assert f"Strategy: default (1 replica; {device})" in out


def test_multiworker_without_tf_config_says_what_to_set(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs TF_CONFIG describing the cluster"):
        dist.get_strategy("multiworker")


def test_tpu_without_a_tpu_fails_fast_without_network(monkeypatch):
    monkeypatch.delenv("TPU_NAME", raising=False)
    monkeypatch.delenv("COLAB_TPU_ADDR", raising=False)
    with pytest.raises(ValueError, match="found no TPU: set TPU_NAME"):
        dist.get_strategy("tpu")


@pytest.mark.parametrize("text, message", [
    ("{not json", "TF_CONFIG is not valid JSON"),
    ('["worker"]', "TF_CONFIG must be a JSON object"),
    ('{"task": {"type": "worker", "index": 0}}', 'TF_CONFIG needs a "cluster"'),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}}', 'TF_CONFIG needs a "task"'),
    ('{"cluster": {"boss": ["127.0.0.1:1"]}, "task": {"type": "boss", "index": 0}}',
     "cluster job 'boss' is not one of chief, worker, ps, evaluator"),
    ('{"cluster": {"worker": ["nohost"]}, "task": {"type": "worker", "index": 0}}',
     '"host:port" strings'),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "chief", "index": 0}}',
     "task type 'chief' is not a job of its cluster \\(worker\\)"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}',
     "task index 2 is out of range: the cluster has 2 'worker' task\\(s\\), "
     "indices 0 to 1"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": "0"}}',
     "task index '0' is out of range"),
])
def test_bad_tf_config_is_refused_by_name(monkeypatch, text, message):
    with pytest.raises(ValueError, match=message):
        dist.parse_tf_config(text)
    monkeypatch.setenv("TF_CONFIG", text)
    with pytest.raises(ValueError, match=message):
        dist.get_strategy("auto")


def test_parameter_server_clusters_are_refused(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", json.dumps(
        {"cluster": {"worker": ["a:1"], "ps": ["b:2"]},
         "task": {"type": "worker", "index": 0}}))
    with pytest.raises(ValueError, match="TF_CONFIG lists 'ps' \\(parameter server\\)"):
        dist.get_strategy("multiworker")


def test_tf_config_of_a_two_worker_cluster_names_the_chief(monkeypatch):
    text = json.dumps({"cluster": {"worker": ["a:1", "b:2"]},
                       "task": {"type": "worker", "index": 1}})
    assert dist.parse_tf_config(text)["task"]["index"] == 1
    assert dist._num_tasks(dist.parse_tf_config(text)) == 2
    assert dist.parse_tf_config("") is None
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert dist.parse_tf_config() is None


# --- global batch ---------------------------------------------------------------------

class _TwoReplicas:
    """Stands in for a two-replica strategy where only the replica count matters."""

    num_replicas_in_sync = 2

    def scope(self):  # pragma: no cover - never reached: validation fails first
        raise AssertionError("train() built a model before validating the batch")


def test_global_batch_is_per_replica_batch_times_replicas():
    assert global_batch_size(32) == 32
    assert global_batch_size(32, tf.distribute.get_strategy()) == 32
    assert global_batch_size(32, _TwoReplicas()) == 64
    with pytest.raises(ValueError, match="per_replica_batch must be an integer >= 1"):
        global_batch_size(0)


def test_batch_not_divisible_by_replicas_says_what_to_pass(tmp_path, tiny_model):
    x = np.zeros((66, 8, 8, 3), "float32")
    ds = tf.data.Dataset.from_tensor_slices((x, np.zeros(66, "int64"))).batch(33)
    assert ds.element_spec[0].shape[0] is None  # so the check looks at a batch
    with pytest.raises(ValueError, match=r"train_ds has batches of 33 examples, which "
                       r"the 2 replicas of _TwoReplicas cannot share equally; batch it "
                       r"with the global batch size = per-replica batch × 2, e.g. 32"):
        train(tiny_model, ds, None, 1, strategy=_TwoReplicas(), run_dir=tmp_path / "r")
    assert not (tmp_path / "r").exists()
    even = tf.data.Dataset.from_tensor_slices((x, np.zeros(66, "int64"))).batch(32)
    assert dist.check_global_batch(even, _TwoReplicas()) == 32


# --- real multi-replica training ------------------------------------------------------

@pytest.mark.slow
def test_mirrored_over_two_logical_cpus_matches_single_device(tmp_path, finish_process):
    common = {"epochs": 3, "batch": 16}
    mirrored = _start({**common, "strategy": "mirrored", "logical_cpus": 2,
                       "run_dir": str(tmp_path / "mirrored"),
                       "weights_out": str(tmp_path / "mirrored.npz")})
    single = _start({**common, "run_dir": str(tmp_path / "single"),
                     "weights_out": str(tmp_path / "single.npz")})
    code_m, out_m = finish_process(mirrored)
    code_s, out_s = finish_process(single)
    assert code_m == 0, out_m[-3000:]
    assert code_s == 0, out_s[-3000:]
    assert "Strategy: MirroredStrategy (2 replicas; /device:CPU:0, /device:CPU:1)" \
        in out_m
    # The model was built outside the scope; train() rebuilt it inside.
    assert "Rebuilding tiny inside the MirroredStrategy scope" in out_m
    res_m, res_s = _result(out_m), _result(out_s)
    assert res_m["replicas"] == 2 and res_s["replicas"] == 1
    loss = res_m["history"]["loss"]
    assert loss[-1] < 0.8 * loss[0]
    # Same data, same initial weights, gradients averaged over the global batch:
    # the two replicas together take the single device's steps.
    np.testing.assert_allclose(loss, res_s["history"]["loss"], rtol=1e-4)
    w_m, w_s = np.load(tmp_path / "mirrored.npz"), np.load(tmp_path / "single.npz")
    for key in w_s:
        np.testing.assert_allclose(w_m[key], w_s[key], atol=1e-5)
    meta = json.loads((tmp_path / "mirrored" / "run.json").read_text())
    assert meta["strategy"] == "MirroredStrategy" and meta["replicas"] == 2


@pytest.mark.slow
def test_multiworker_training_equals_one_process_at_the_global_batch(tmp_path,
                                                                     finish_process):
    """Two localhost workers with a global batch of 16 (8 each) take the steps one
    process takes with batches of 16: same initial weights, same data order, gradients
    averaged over the global batch. The reference is a separate single-process run,
    so the workers cannot agree with it merely by agreeing with each other."""
    common = {"epochs": 2, "batch": 16}  # 64 examples: 4 steps an epoch
    ports = dist.free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = [_start({**common, "strategy": "auto", "run_dir": str(tmp_path / "run"),
                     "weights_out": str(tmp_path / f"worker{i}.npz")},
                    TF_CONFIG=json.dumps({"cluster": cluster,
                                          "task": {"type": "worker", "index": i}}))
             for i in range(2)]
    single = _start({**common, "run_dir": str(tmp_path / "single"),
                     "weights_out": str(tmp_path / "single.npz")})
    try:
        results = [finish_process(p, timeout=240) for p in procs]
        code_s, out_s = finish_process(single, timeout=240)
    finally:
        for p in (*procs, single):
            if p.poll() is None:
                p.kill()
                p.communicate()
    for code, out in results:
        assert code == 0, out[-3000:]
        assert "Strategy: MultiWorkerMirroredStrategy (2 replicas; 2 workers" in out
    assert code_s == 0, out_s[-3000:]
    chief, other = (_result(out) for _, out in results)
    res_s = _result(out_s)
    assert chief["replicas"] == other["replicas"] == 2 and res_s["replicas"] == 1
    assert chief["epochs_run"] == other["epochs_run"] == res_s["epochs_run"] == 2
    loss = res_s["history"]["loss"]
    assert loss[-1] < 0.9 * loss[0]  # it trained, so equal weights mean something
    for worker in (chief, other):
        np.testing.assert_allclose(worker["history"]["loss"], loss, rtol=1e-4)
    w_s = np.load(tmp_path / "single.npz")
    for i in range(2):
        w_m = np.load(tmp_path / f"worker{i}.npz")
        assert sorted(w_m) == sorted(w_s)
        for key in w_s:
            np.testing.assert_allclose(w_m[key], w_s[key], rtol=1e-5, atol=1e-6,
                                       err_msg=f"worker {i}, weight {key}")
    # The chief writes run_dir; worker 1 writes its own files beside it.
    assert chief["run_dir"] == str(tmp_path / "run")
    assert other["run_dir"] == str(tmp_path / "run-worker1")
    for run in ("run", "run-worker1"):
        log = (tmp_path / run / "log.csv").read_text().splitlines()
        assert len(log) == 3, log  # header + 2 epochs
        assert json.loads((tmp_path / run / "run.json").read_text())["status"] == \
            "finished"
