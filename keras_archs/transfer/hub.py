"""TF-Hub SavedModels as Keras 3 layers whose variables are real, trainable weights.

Transfer learning (Yosinski et al. 2014, "How transferable are features in deep
neural networks?", arXiv:1411.1792) with a TF-Hub feature extractor used to be
``keras.Sequential([hub.KerasLayer(handle), Dense(n)])``. Under Keras 3 that fails:
``hub.KerasLayer`` is a tf_keras (Keras 2) layer and a Keras 3 model refuses it. A
naive Keras 3 layer that calls ``hub.load(handle)`` runs, but the SavedModel's
``tf.Variable``\\ s are not Keras weights, so ``fit`` never updates them
(tensorflow/hub#903, tensorflow/tensorflow#63849).

:class:`HubFeatureExtractor` loads the SavedModel with ``tf.saved_model.load`` and
wraps each of its variables in a ``keras.Variable`` that *shares* the same
``tf.Variable`` (the way ``keras.layers.TFSMLayer`` does), so:

* the layer's ``weights`` are exactly the SavedModel's variables (trainable ones
  first), saved in and restored from ``.keras`` files;
* ``trainable=True`` lets the optimizer update them; ``trainable=False`` leaves them
  bit-identical;
* the SavedModel is called with ``training=False`` while the layer is frozen, so its
  BatchNorm moving statistics are not updated — the TF-Hub "Reusable SavedModel"
  convention is ``obj(inputs, training=...)`` with a Python bool;
* its ``regularization_losses`` join the training loss while the layer is trainable.

Handles are local SavedModel directories or ``https://`` URLs on tfhub.dev / Kaggle
(resolved and cached by ``tensorflow_hub.resolve``). An offline machine fails in
seconds with a message asking for a local path instead of hanging on the download.

Security note: a ``.keras`` file stores only the handle, and loading it runs the
graph of the SavedModel found there. Load models only from handles you trust.
"""

from __future__ import annotations

import os
import socket
import threading
import urllib.parse

import keras

from keras_archs._validation import check_bool

__all__ = ["HubFeatureExtractor", "resolve_handle", "load_saved_model",
           "NETWORK_TIMEOUT", "DOWNLOAD_STALL_TIMEOUT"]

# Seconds to wait for the handle's host before declaring the machine offline.
NETWORK_TIMEOUT = 5.0
# Seconds a download may stall (no bytes) before it is abandoned; tensorflow_hub's
# urlopen has no timeout of its own and would wait forever.
DOWNLOAD_STALL_TIMEOUT = 60.0


def _is_url(handle: str) -> bool:
    return urllib.parse.urlparse(handle).scheme in ("http", "https")


def _unreachable_reason(host: str, port: int, timeout: float) -> str | None:
    """Why ``host:port`` does not accept a TCP connection, or None if it does.

    Runs in a daemon thread because a stuck DNS lookup ignores socket timeouts.
    """
    result = []

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(None)
        except OSError as err:
            result.append(f"{type(err).__name__}: {err}")

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0] if result else f"no answer within {timeout:g} s"


def _cached_download(handle: str) -> str | None:
    """The directory tensorflow_hub already downloaded ``handle`` to, if any."""
    try:
        from tensorflow_hub import compressed_module_resolver as cmr

        module_dir = cmr._module_dir(handle)  # private: where hub.resolve caches it
    except Exception:  # another tensorflow_hub version: no cache lookup
        return None
    if os.path.isdir(module_dir) and os.listdir(module_dir):
        return module_dir
    return None


def resolve_handle(handle, *, timeout: float | None = None,
                   stall_timeout: float | None = None) -> str:
    """Local SavedModel directory for ``handle`` (a path or a tfhub.dev/Kaggle URL).

    URLs go through ``tensorflow_hub.resolve`` (download, decompress, cache in
    ``$TFHUB_CACHE_DIR``). If the host does not answer within ``timeout`` seconds
    (default :data:`NETWORK_TIMEOUT`) and the model is not cached, raises ValueError
    at once rather than hanging; so does a download that stalls for
    ``stall_timeout`` seconds (default :data:`DOWNLOAD_STALL_TIMEOUT`).
    """
    if isinstance(handle, os.PathLike):
        handle = os.fspath(handle)
    if not isinstance(handle, str) or not handle:
        raise TypeError(
            "handle must be a TF-Hub URL (https://tfhub.dev/..., "
            "https://www.kaggle.com/models/...) or the path of a SavedModel "
            f"directory, got {handle!r}")
    if not _is_url(handle):
        path = os.path.abspath(os.path.expanduser(handle))
        if not os.path.exists(path):
            raise ValueError(
                f"handle {handle!r} does not exist. handle must be a TF-Hub URL or "
                "the path of a local SavedModel directory (one holding "
                "saved_model.pb).")
        return path
    timeout = NETWORK_TIMEOUT if timeout is None else timeout
    cached = _cached_download(handle)
    if cached:
        return cached
    url = urllib.parse.urlparse(handle)
    port = url.port or (443 if url.scheme == "https" else 80)
    reason = _unreachable_reason(url.hostname, port, timeout)
    if reason:
        raise ValueError(
            f"cannot download handle {handle!r}: {url.hostname} is unreachable "
            f"({reason}; this machine looks offline). Download "
            "the model on a networked machine (tensorflow_hub.resolve(handle) prints "
            "where it is cached), copy the directory here and pass its local path "
            "as the handle.")
    import tensorflow_hub as hub

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_STALL_TIMEOUT if stall_timeout is None
                             else stall_timeout)
    try:
        return hub.resolve(handle)
    except Exception as err:  # URLError, HTTPError (404), tarfile errors, ...
        raise ValueError(
            f"could not download handle {handle!r} ({type(err).__name__}: {err}). "
            "Check the URL, or pass the path of a local SavedModel directory.") from err
    finally:
        socket.setdefaulttimeout(previous)


def load_saved_model(handle, *, timeout: float | None = None):
    """``(path, restored object)`` for a handle; ValueError if it is no SavedModel."""
    import tensorflow as tf

    path = resolve_handle(handle, timeout=timeout)
    if not os.path.isdir(path) or not tf.saved_model.contains_saved_model(path):
        raise ValueError(
            f"handle {handle!r} is not a SavedModel: {path!r} has no "
            "saved_model.pb. Pass the directory that tf.saved_model.save() wrote "
            "(or a TF-Hub URL).")
    try:
        return path, tf.saved_model.load(path)
    except Exception as err:  # corrupt protobuf, missing variables, unknown ops
        raise ValueError(
            f"handle {handle!r} could not be loaded as a TF2 SavedModel "
            f"({type(err).__name__}: {str(err).splitlines()[0]})") from err


def _concrete_functions(fn):
    if hasattr(fn, "concrete_functions"):  # a restored tf.function
        return list(fn.concrete_functions)
    return [fn]  # a signature is already a concrete function


def _input_specs(fn, signature_input):
    """TensorSpecs of the image argument over all traces of ``fn``."""
    import tensorflow as tf

    specs = []
    for cf in _concrete_functions(fn):
        args, kwargs = cf.structured_input_signature
        spec = kwargs.get(signature_input) if signature_input else (
            args[0] if args else None)
        if isinstance(spec, tf.TensorSpec):
            specs.append(spec)
    return specs


def _takes_training(fn) -> bool:
    """Whether a restored ``__call__`` has a ``training`` argument (hub convention)."""
    spec = getattr(fn, "function_spec", None)
    fullargspec = getattr(spec, "fullargspec", None)
    if fullargspec is not None:
        return "training" in (fullargspec.args or []) + (fullargspec.kwonlyargs or [])
    return False


def _traced_training_values(fn) -> set:
    """The ``training`` values ``fn`` was traced with (True, False or both)."""
    values = set()
    for cf in _concrete_functions(fn):
        args, kwargs = cf.structured_input_signature
        value = kwargs.get("training", args[1] if len(args) > 1 else None)
        if isinstance(value, bool):
            values.add(value)
    return values


def _accepts(spec_shape, shape) -> bool:
    # The traced shape must be at least as general as the layer's input shape.
    if spec_shape.rank is None:
        return True
    if len(shape) != spec_shape.rank:
        return False
    return all(s is None or s == d for s, d in zip(spec_shape.as_list()[1:], shape[1:]))


def _describe(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


@keras.saving.register_keras_serializable(package="keras_archs")
class HubFeatureExtractor(keras.layers.Layer):
    """A TF-Hub model (URL or local SavedModel) as a Keras 3 layer.

    ```python
    model = keras.Sequential([
        keras.Input((299, 299, 3)),
        HubFeatureExtractor("/models/inception_v3_feature_vector"),  # [0, 1] pixels
        keras.layers.Dense(10, activation="softmax"),
    ])
    ```

    Args:
        handle: a tfhub.dev or Kaggle model URL, or the path of a SavedModel
            directory. Stored in the config (local paths as absolute paths), so a
            ``.keras`` file re-resolves it when loaded.
        trainable: whether ``fit`` may update the SavedModel's variables. While
            False, the model also runs in inference mode (``training=False``),
            so BatchNorm statistics stay as they are.
        signature: name of a signature in ``obj.signatures`` (e.g.
            ``"serving_default"``) to call instead of the object's ``__call__``.
            Needed for SavedModels that have no ``__call__``.
        output_key: which output to return when the model returns a dict.
        **kwargs: ``name``, ``dtype`` and other ``keras.layers.Layer`` arguments.

    Raises:
        ValueError: the handle does not exist, is not a SavedModel, cannot be
            downloaded, has no usable signature; ``signature`` or ``output_key``
            is not among the model's; the input shape is one the model cannot take.
    """

    def __init__(self, handle, trainable=False, signature=None, output_key=None,
                 **kwargs):
        check_bool(trainable, "trainable")
        if signature is not None and not isinstance(signature, str):
            raise TypeError(f"signature must be a string or None, got {signature!r}")
        if output_key is not None and not isinstance(output_key, str):
            raise TypeError(f"output_key must be a string or None, got {output_key!r}")
        # The SavedModel computes in the dtype it was saved with (float32 for TF-Hub
        # image models); mixed-precision autocasting would feed it float16.
        kwargs.setdefault("dtype", "float32")
        super().__init__(trainable=trainable, **kwargs)
        path, obj = load_saved_model(handle)
        self.handle = handle if _is_url(os.fspath(handle)) else path
        self.signature = signature
        self._saved_model = obj
        self._fn, self._signature_input = self._select_function(obj, signature)
        self._pass_training = signature is None and _takes_training(self._fn)
        # Some hub models are exported for inference only (no training=True trace);
        # they are fine-tuned in inference mode.
        self._has_training_mode = (not self._pass_training
                                   or True in _traced_training_values(self._fn)
                                   or not _traced_training_values(self._fn))
        self.output_key = self._select_output(output_key)
        self._specs = _input_specs(self._fn, self._signature_input)
        # Reusable SavedModel API: weight penalties as zero-argument functions,
        # added to the training loss while the layer is trainable (as hub.KerasLayer).
        self._regularizers = list(getattr(obj, "regularization_losses", None) or [])
        for variable in self._wrap_variables(obj):
            # Like TFSMLayer: _track_variable also applies the layer's trainable
            # flag to each variable, which Keras 3 models read when they collect
            # trainable weights.
            self._track_variable(variable)

    # -- construction helpers ---------------------------------------------------------

    def _select_function(self, obj, signature):
        signatures = sorted(getattr(obj, "signatures", {}) or {})
        if signature is not None:
            if signature not in signatures:
                raise ValueError(
                    f"signature {signature!r} is not in handle {self.handle_text!r}; "
                    f"its signatures are: {', '.join(signatures) or 'none'}"
                    + ("; or pass signature=None to use its __call__"
                       if callable(obj) else ""))
            fn = obj.signatures[signature]
            _, kwargs = fn.structured_input_signature
            if len(kwargs) != 1:
                raise ValueError(
                    f"signature {signature!r} of handle {self.handle_text!r} takes "
                    f"{len(kwargs)} inputs ({', '.join(sorted(kwargs))}); "
                    "HubFeatureExtractor needs exactly one image input")
            return fn, next(iter(kwargs))
        if callable(obj) and getattr(obj.__call__, "concrete_functions", None):
            return obj.__call__, None
        if "serving_default" in signatures:
            return self._select_function(obj, "serving_default")
        raise ValueError(
            f"handle {self.handle_text!r} has no usable signature: it is not callable "
            "(no __call__ saved) and has no signatures. Pass signature= one of: "
            f"{', '.join(signatures) or '(none available)'}")

    @property
    def handle_text(self) -> str:
        return str(getattr(self, "handle", None) or "")

    def _output_keys(self):
        keys = set()
        for cf in _concrete_functions(self._fn):
            if isinstance(cf.structured_outputs, dict):
                keys.update(cf.structured_outputs)
        return sorted(keys)

    def _select_output(self, output_key):
        keys = self._output_keys()
        if output_key is None:
            if len(keys) > 1:
                raise ValueError(
                    f"handle {self.handle_text!r} returns several outputs; pass "
                    f"output_key= one of: {', '.join(keys)}")
            return keys[0] if keys else None
        if output_key not in keys:
            raise ValueError(
                f"output_key {output_key!r} is not an output of handle "
                f"{self.handle_text!r}; its outputs are: "
                f"{', '.join(keys) if keys else 'a single tensor (pass output_key=None)'}")
        return output_key

    def _wrap_variables(self, obj):
        """Keras variables sharing the SavedModel's tf.Variables, trainable first."""
        declared = getattr(obj, "variables", None)
        if isinstance(declared, (list, tuple)):
            variables = list(declared)  # the Reusable SavedModel API lists them
        else:
            variables = []
            seen = set()
            for cf in _concrete_functions(self._fn):
                for v in cf.variables:
                    if id(v) not in seen:
                        seen.add(id(v))
                        variables.append(v)
        ordered = ([v for v in variables if v.trainable]
                   + [v for v in variables if not v.trainable])
        return [
            keras.Variable(initializer=v, trainable=v.trainable, dtype=v.dtype,
                           shape=v.shape, name=v.name.split(":")[0].replace("/", "_"))
            for v in ordered
        ]

    # -- Keras layer API --------------------------------------------------------------

    def build(self, input_shape):
        shape = tuple(input_shape)
        if self._specs and not any(_accepts(s.shape, shape) for s in self._specs):
            accepted = sorted({_describe(s.shape.as_list()) for s in self._specs})
            raise ValueError(
                f"handle {self.handle_text!r} cannot take inputs of shape "
                f"{_describe(shape)}; it accepts: {', '.join(accepted)}. Resize the "
                "images (input_shape / image_size) to fit.")
        self.built = True

    def call(self, inputs, training=None):
        import tensorflow as tf

        if self._specs:
            inputs = tf.cast(inputs, self._specs[0].dtype)
        if self._signature_input is not None:
            outputs = self._fn(**{self._signature_input: inputs})
        elif self._pass_training:
            # Frozen means inference mode too: BatchNorm inside keeps its statistics.
            outputs = self._fn(inputs, training=bool(training) and self.trainable
                               and self._has_training_mode)
        else:
            outputs = self._fn(inputs)
        if self.trainable:
            for regularizer in self._regularizers:
                self.add_loss(regularizer())
        if isinstance(outputs, dict):
            outputs = outputs[self.output_key]
        return outputs

    @property
    def input_specs(self):
        """The input TensorSpecs the SavedModel was traced with."""
        return list(self._specs)

    def get_config(self):
        config = super().get_config()
        config.update(handle=self.handle, signature=self.signature,
                      output_key=self.output_key)
        return config
