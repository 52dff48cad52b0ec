"""train(): mixed precision, XLA default, learning-rate schedules, run directories and
every bad input — in-process on a tiny model."""

import csv
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_archs.training import distribute as dist
from keras_archs.training import make_lr_schedule, train
from keras_archs.training.distribute import (
    dtype_policy_scope, resolve_jit_compile, resolve_mixed_precision)
from keras_archs.training.fit import prepare_run_dir

# Every test runs on every machine: where the outcome depends on the device, the test
# expects this machine's branch (float16 on a GPU, bfloat16 on a CPU), and the
# device-dependent logic is also driven through both branches by faking the device.
ON_GPU = bool(tf.config.list_physical_devices("GPU"))
DEVICE_POLICY = "mixed_float16" if ON_GPU else "mixed_bfloat16"
DEVICE_COMPUTE = "float16" if ON_GPU else "bfloat16"


@pytest.fixture(params=[False, True], ids=["cpu", "gpu"])
def fake_gpu(request, monkeypatch):
    """Pretend this machine has (or has no) GPU; the value is whether it has one."""
    monkeypatch.setattr(dist, "_has_gpu", lambda: request.param)
    return request.param


def _data(n=32, batch=8):
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, n).astype("int64")
    x = (rng.rand(n, 8, 8, 3) * 0.5 + y[:, None, None, None] * 0.4).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)


# --- mixed precision ------------------------------------------------------------------

def test_mixed_precision_true_picks_the_policy_of_this_device():
    assert resolve_mixed_precision(True) == DEVICE_POLICY
    assert resolve_mixed_precision("auto") == DEVICE_POLICY


def test_mixed_precision_policy_follows_the_device(fake_gpu):
    expected = "mixed_float16" if fake_gpu else "mixed_bfloat16"
    assert resolve_mixed_precision(True) == expected
    assert resolve_mixed_precision("auto") == expected
    # Explicit names and "off" do not depend on the device.
    assert resolve_mixed_precision("mixed_bfloat16") == "mixed_bfloat16"
    assert resolve_mixed_precision(False) is None
    assert resolve_mixed_precision(None) is None
    assert resolve_mixed_precision("float32") is None


def test_unknown_policies_are_refused_on_any_device(fake_gpu):
    for bad in ("float8", "mixed_float64", "fp16"):
        with pytest.raises(ValueError, match="mixed_precision must be True, False, "
                                             "'auto' or one of mixed_float16, "
                                             f"mixed_bfloat16, float32; got '{bad}'"):
            resolve_mixed_precision(bad)


def test_float16_needs_a_gpu(fake_gpu):
    if fake_gpu:
        assert resolve_mixed_precision("mixed_float16") == "mixed_float16"
    else:
        with pytest.raises(ValueError, match="'mixed_float16' is unsupported here: "
                                             "float16 compute needs a GPU"):
            resolve_mixed_precision("mixed_float16")


def test_float16_on_this_device():
    if ON_GPU:
        assert resolve_mixed_precision("mixed_float16") == "mixed_float16"
    else:
        with pytest.raises(ValueError, match="'mixed_float16' is unsupported here"):
            resolve_mixed_precision("mixed_float16")


def test_policy_scope_restores_the_global_policy():
    with dtype_policy_scope("mixed_bfloat16"):
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == "float32"


def test_mixed_precision_training_keeps_float32_variables_and_output(tmp_path,
                                                                      make_tiny):
    # float16 compute on a GPU, bfloat16 on a CPU: whichever this machine picks.
    with dtype_policy_scope(DEVICE_POLICY):
        model = make_tiny()
    history = train(model, _data(), _data(), 1, mixed_precision=True,
                    run_dir=tmp_path / "run", verbose=0)
    trained = history.model
    assert keras.config.dtype_policy().name == "float32"  # others are unaffected
    conv = trained.get_layer("conv")
    assert conv.compute_dtype == DEVICE_COMPUTE
    assert all(v.dtype == "float32" for v in trained.weights)
    inner = keras.Model(trained.input, conv.output)
    assert inner(np.zeros((1, 8, 8, 3), "float32")).dtype == DEVICE_COMPUTE
    out = trained(np.zeros((2, 8, 8, 3), "float32"))
    assert out.dtype == "float32"
    np.testing.assert_allclose(np.sum(out, axis=1), 1.0, rtol=1e-6)
    meta = json.loads((tmp_path / "run" / "run.json").read_text())
    assert meta["mixed_precision"] == DEVICE_POLICY
    assert np.isfinite(history.history["loss"]).all()


def test_float32_model_with_mixed_precision_is_refused_before_writing(tmp_path,
                                                                      tiny_model):
    with pytest.raises(ValueError, match=f"mixed_precision asks for '{DEVICE_POLICY}' "
                                         "but the model was built with float32"):
        train(tiny_model, _data(), None, 1, mixed_precision=True,
              run_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()


# --- XLA ------------------------------------------------------------------------------

def test_xla_default_follows_the_device(fake_gpu, capsys):
    assert resolve_jit_compile(None) == ("auto" if fake_gpu else False)
    assert resolve_jit_compile("auto") == "auto"
    assert resolve_jit_compile(False) is False
    assert resolve_jit_compile(True) is True
    note = capsys.readouterr().out
    assert ("jit_compile=True on CPU" in note) is (not fake_gpu)
    with pytest.raises(ValueError, match="jit_compile must be None, True, False or "
                                         "'auto'; got 'yes'"):
        resolve_jit_compile("yes")


def test_xla_default_on_this_device(tmp_path, tiny_model):
    history = train(tiny_model, _data(), None, 1, run_dir=tmp_path / "run", verbose=0)
    meta = json.loads((tmp_path / "run" / "run.json").read_text())
    if ON_GPU:  # Keras' "auto": XLA where the model supports it
        assert meta["jit_compile"] == "auto"
    else:  # off: XLA was 4-5x slower on CPU
        assert meta["jit_compile"] is False
        assert history.model.jit_compile is False


# --- learning-rate schedules ----------------------------------------------------------

def test_cosine_schedule_warms_up_then_decays_to_zero():
    lr = make_lr_schedule("cosine", 0.1, epochs=10, steps_per_epoch=10, warmup_epochs=2)
    assert isinstance(lr, keras.optimizers.schedules.CosineDecay)
    assert float(lr(0)) == pytest.approx(0.0)
    assert float(lr(10)) == pytest.approx(0.05)
    assert float(lr(20)) == pytest.approx(0.1)
    assert float(lr(60)) == pytest.approx(0.05, rel=1e-5)  # half-way down the cosine
    assert float(lr(100)) == pytest.approx(0.0, abs=1e-7)


def test_step_schedule_divides_by_ten_at_half_and_three_quarters():
    lr = make_lr_schedule("step", 0.1, epochs=4, steps_per_epoch=25)
    assert [float(lr(s)) for s in (0, 50, 51, 75, 76, 99)] == pytest.approx(
        [0.1, 0.1, 0.01, 0.01, 0.001, 0.001])
    assert make_lr_schedule("constant", 0.1, epochs=4, steps_per_epoch=25) == 0.1


def test_bad_schedules_are_refused():
    with pytest.raises(ValueError, match="lr_schedule must be one of constant, step, "
                                         "cosine"):
        make_lr_schedule("linear", 0.1, epochs=2, steps_per_epoch=1)
    with pytest.raises(ValueError, match="warmup_epochs must be less than epochs"):
        make_lr_schedule("cosine", 0.1, epochs=2, steps_per_epoch=1, warmup_epochs=2)


def test_train_follows_the_cosine_schedule_step_by_step(tmp_path, tiny_model):
    history = train(tiny_model, _data(), None, 3, optimizer="momentum",
                    learning_rate=0.05, lr_schedule="cosine", warmup_epochs=1,
                    run_dir=tmp_path / "run", verbose=0)
    optimizer = history.model.optimizer
    assert int(optimizer.iterations) == 3 * 4
    expected = make_lr_schedule("cosine", 0.05, epochs=3, steps_per_epoch=4,
                                warmup_epochs=1)
    assert float(optimizer.learning_rate) == pytest.approx(float(expected(12)), abs=1e-7)
    assert float(optimizer.learning_rate) == pytest.approx(0.0, abs=1e-7)
    meta = json.loads((tmp_path / "run" / "run.json").read_text())
    assert meta["lr_schedule"] == "cosine" and meta["learning_rate"] == 0.05


def test_schedule_on_a_dataset_of_unknown_length_asks_for_steps(tmp_path, tiny_model):
    with pytest.raises(ValueError, match="unknown or infinite number of batches.*pass "
                                         "steps_per_epoch"):
        train(tiny_model, _data().repeat(), None, 2, lr_schedule="step",
              run_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()
    history = train(tiny_model, _data().repeat(), None, 2, lr_schedule="step",
                    steps_per_epoch=3, run_dir=tmp_path / "run", verbose=0)
    assert int(history.model.optimizer.iterations) == 6


# --- run directories and bad input ----------------------------------------------------

def test_bad_arguments_fail_before_anything_is_written(tmp_path, tiny_model):
    run = tmp_path / "run"
    with pytest.raises(ValueError, match="Unknown model name 'vgg99'"):
        train("vgg99", _data(), None, 1, run_dir=run)
    with pytest.raises(ValueError, match="steps_per_epoch must be an integer >= 1"):
        train(tiny_model, _data(), None, 1, steps_per_epoch=0, run_dir=run)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train(tiny_model, _data(), None, 1, optimizer="lion", run_dir=run)
    with pytest.raises(ValueError, match="lr_schedule by name needs an optimizer name"):
        train(tiny_model, _data(), None, 1, optimizer=keras.optimizers.SGD(),
              lr_schedule="cosine", run_dir=run)
    assert not run.exists()


def test_resume_into_another_models_run_changes_nothing(tmp_path, tiny_model):
    run = tmp_path / "run"
    prepare_run_dir(run, model_name="vgg16", config={"status": "running"})
    (run / "log.csv").write_text("epoch,loss\n0,1.0\n")
    (run / "backup").mkdir()
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    with pytest.raises(ValueError, match="holds a run of model 'vgg16', not 'tiny'; "
                                         "choose another run_dir \\(nothing was changed\\)"):
        train(tiny_model, _data(), None, 1, run_dir=run, resume=True)
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before
    assert (run / "backup").is_dir()


def test_a_run_killed_before_its_first_backup_is_resumable(tmp_path, tiny_model):
    run = tmp_path / "run"
    prepare_run_dir(run, model_name="tiny", config={"status": "running"})
    with pytest.raises(ValueError, match="holds an unfinished run of 'tiny'; pass "
                                         "resume=True"):
        train(tiny_model, _data(), None, 1, run_dir=run, resume=False)
    history = train(tiny_model, _data(), None, 2, run_dir=run, resume=True, verbose=0)
    assert len(history.history["loss"]) == 2
    assert json.loads((run / "run.json").read_text())["status"] == "finished"
    with pytest.raises(ValueError, match="already holds a finished run of 'tiny'"):
        train(tiny_model, _data(), None, 1, run_dir=run, resume=True)


def test_resume_with_more_epochs_continues_a_finished_run(tmp_path, make_tiny):
    def rows(run):
        with open(run / "log.csv", newline="") as f:
            return list(csv.DictReader(f))

    keras.utils.set_random_seed(0)
    reference = train(make_tiny(), _data(), _data(), 3, optimizer="adam",
                      run_dir=tmp_path / "reference", verbose=0)
    run = tmp_path / "run"
    keras.utils.set_random_seed(0)
    train(make_tiny(), _data(), _data(), 2, optimizer="adam", run_dir=run, verbose=0)
    meta = json.loads((run / "run.json").read_text())
    assert meta["status"] == "finished" and meta["learning_rate"] == 1e-3
    history = train(make_tiny(), _data(), _data(), 3, optimizer="adam", run_dir=run,
                    resume=True, verbose=0)
    assert len(history.history["loss"]) == 1  # only the new epoch
    logged = rows(run)
    assert [int(r["epoch"]) for r in logged] == [0, 1, 2]
    # Weights and Adam's state carried over: the same losses as 3 epochs in one go.
    np.testing.assert_allclose([float(r["loss"]) for r in logged],
                               reference.history["loss"], rtol=1e-5)
    meta = json.loads((run / "run.json").read_text())
    assert meta["epochs"] == meta["epochs_completed"] == 3
    assert meta["status"] == "finished"


def test_a_finished_run_with_a_schedule_is_not_extended(tmp_path, tiny_model):
    run = tmp_path / "run"
    train(tiny_model, _data(), None, 2, optimizer="momentum", lr_schedule="step",
          run_dir=run, verbose=0)
    before = (run / "log.csv").read_text()
    with pytest.raises(ValueError, match="used lr_schedule='step', laid out for its 2 "
                                         "epochs"):
        train(tiny_model, _data(), None, 3, optimizer="momentum", lr_schedule="step",
              run_dir=run, resume=True, verbose=0)
    assert (run / "log.csv").read_text() == before
    assert json.loads((run / "run.json").read_text())["status"] == "finished"
