"""The registry's metadata as ``keras-archs list`` reads it, without Keras when cached."""

import dataclasses
import json

from keras_archs.cli import catalog as cat
from keras_archs.registry import list_models, model_info


def _fields(info):
    return json.loads(json.dumps({f.name: getattr(info, f.name)
                                  for f in dataclasses.fields(info) if f.name != "builder"}))


def test_catalog_is_the_registry_and_is_cached_under_a_source_key(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_ARCHS_CACHE_DIR", str(tmp_path))
    entries = cat.catalog()
    assert entries == {name: _fields(model_info(name)) for name in list_models()}
    assert [e["name"] for e in cat.list_infos()] == list_models()
    assert [e["name"] for e in cat.list_infos("VGG1?")] == list_models("vgg1?")

    (cached,) = tmp_path.iterdir()
    assert cached.name == f"catalog-{cat._source_key()}.json"
    # Read back from the file: a changed entry there shows up.
    data = json.loads(cached.read_text())
    data["vgg16"]["paper"] = "from the cache"
    cached.write_text(json.dumps(data))
    assert cat.catalog()["vgg16"]["paper"] == "from the cache"

    # Another source (an edited or new family) is another key; old files go, but
    # the few most recent stay (checkouts sharing the cache).
    for i in range(6):
        monkeypatch.setattr(cat, "_source_key", lambda: f"edited{i}")
        assert cat.catalog()["vgg16"]["paper"] == model_info("vgg16").paper
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"catalog-edited{i}.json" for i in range(2, 6)]


def test_source_key_follows_the_family_modules(tmp_path, monkeypatch):
    import keras_archs

    key = cat._source_key()
    package = tmp_path / "keras_archs"
    (package / "models").mkdir(parents=True)
    (package / "registry.py").write_text("# registry\n")
    (package / "models" / "a.py").write_text("# family a\n")
    monkeypatch.setattr(keras_archs, "__file__", str(package / "__init__.py"))
    first = cat._source_key()
    (package / "models" / "b.py").write_text("# family b\n")
    assert cat._source_key() != first != key


def test_unwritable_cache_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("KERAS_ARCHS_CACHE_DIR", str(blocker / "cache"))
    assert "vgg16" in cat.catalog()


def test_a_command_that_loaded_the_registry_leaves_the_catalog(tmp_path, monkeypatch,
                                                                capsys):
    from keras_archs.cli import main

    monkeypatch.setenv("KERAS_ARCHS_CACHE_DIR", str(tmp_path))
    assert main(["summary", "lenet5", "--verbose"]) == 0
    (cached,) = tmp_path.iterdir()
    assert cached.name == f"catalog-{cat._source_key()}.json"
    assert json.loads(cached.read_text())["lenet5"]["reference_params"] == 61_706
