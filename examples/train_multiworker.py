"""Two (or more) local worker processes training one model with MultiWorkerMirroredStrategy.

Run from the repository root::

    .venv/bin/python examples/train_multiworker.py --model vgg11 --epochs 1 \\
        --steps-per-epoch 5

Each worker is the ordinary ``keras-archs train`` command with its own ``TF_CONFIG``;
``--strategy auto`` sees a cluster of several workers and picks
``MultiWorkerMirroredStrategy``. The workers talk over free ports on 127.0.0.1 only.
Every worker computes gradients on its slice of each global batch and the gradients
are all-reduced, so all workers hold the same weights after every step. Worker 0 is
the chief and writes ``--run-dir``; worker ``i`` writes ``<run-dir>-worker<i>``.

To run the same job on a cluster, start one process per machine, each with the same
``cluster`` and its own ``task.index``::

    # on host1                                   # on host2
    export TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                       "task": {"type": "worker", "index": 0}}'      # index 1 on host2
    keras-archs train resnet50 --dataset cifar10 --epochs 90 --batch-size 64 \\
        --strategy auto --run-dir /shared/runs/resnet50 --resume

What you adapt: the host names and a port that the machines can reach each other on
(this script uses 127.0.0.1 and free local ports); one process per machine (a
machine with several GPUs runs one worker that mirrors over its GPUs); the same
command and arguments everywhere — ``--batch-size`` is per replica, so the global
batch grows with the cluster. If a worker dies, restart every worker with
``--resume``: each restores its last epoch backup.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def worker_env(cluster: dict, index: int) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env["TF_CONFIG"] = json.dumps(
        {"cluster": cluster, "task": {"type": "worker", "index": index}})
    return env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="vgg11", help="registry name")
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8, help="per replica")
    parser.add_argument("--steps-per-epoch", type=int, default=None)
    parser.add_argument("--validation-steps", type=int, default=None)
    parser.add_argument("--run-dir", default="runs/multiworker")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds before the workers are stopped")
    args = parser.parse_args(argv)
    if args.workers < 2:
        parser.error("--workers must be at least 2")

    from keras_archs.training.distribute import free_ports

    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(args.workers)]}
    command = [sys.executable, "-m", "keras_archs.cli", "train", args.model,
               "--dataset", args.dataset, "--epochs", str(args.epochs),
               "--batch-size", str(args.batch_size), "--strategy", "auto",
               "--run-dir", args.run_dir]
    if args.steps_per_epoch:
        command += ["--steps-per-epoch", str(args.steps_per_epoch)]
    if args.validation_steps:
        command += ["--validation-steps", str(args.validation_steps)]
    print(f"cluster: {cluster['worker']}")
    print("each worker runs:", " ".join(command[1:]), flush=True)

    # Worker 0 (the chief) prints to this terminal; the others to log files.
    os.makedirs(os.path.dirname(os.path.abspath(args.run_dir)), exist_ok=True)
    logs, procs = [], []
    for i in range(args.workers):
        out = None
        if i:
            logs.append(open(f"{args.run_dir}-worker{i}.log", "w"))
            out = logs[-1]
        procs.append(subprocess.Popen(command, env=worker_env(cluster, i), stdout=out,
                                      stderr=subprocess.STDOUT if out else None))
    deadline = time.monotonic() + args.timeout
    try:
        for proc in procs:
            proc.wait(timeout=max(deadline - time.monotonic(), 1))
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        print("stopping the workers", file=sys.stderr)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()
    codes = [proc.returncode for proc in procs]
    print(f"worker exit codes: {codes}")
    if any(codes):
        print(f"a worker failed; see its log next to {args.run_dir}", file=sys.stderr)
        return 1
    print(f"all {args.workers} workers finished; results in {args.run_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
