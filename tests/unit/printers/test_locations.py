"""The adapters' own defence (``printers`` never imports the service): a directory outside ``root``, a
relative or climbing path, a URI with credentials or a bad host is refused before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from printers.errors import AdapterConfigInvalid
from printers.registry import check_adapter, create_adapter
from printers.sim_store import FileStore


@pytest.mark.parametrize(
    ("adapter", "uri", "config", "field"),
    [
        ("spool", "", {"directory": "relative/cards"}, "config.directory"),
        ("spool", "", {"directory": "/srv/../etc"}, "config.directory"),
        ("spool", "spool:///elsewhere", {}, "uri"),
        ("spool", "spool://host/x", {}, "uri"),
        ("simulator", "simulator://s", {"state_dir": "/etc"}, "config.state_dir"),
        ("simulator", "simulator://s", {"name": "../x"}, "config.name"),
        ("ipp", "ipp://u@h/ipp/print", {}, "uri"),
        ("ipp", "ipp://h/ipp/print#x", {}, "uri"),
        ("nope", "", {}, "adapter"),
    ],
)
def test_refused_naming_the_field(
    tmp_path: Path, adapter: str, uri: str, config: dict[str, str], field: str
) -> None:
    with pytest.raises(AdapterConfigInvalid) as caught:
        check_adapter(adapter, uri, config, root=tmp_path)
    assert caught.value.field == field
    assert list(tmp_path.iterdir()) == []


def test_a_symlink_out_of_root_is_outside(tmp_path: Path) -> None:
    root, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (root / "link").symlink_to(elsewhere)
    with pytest.raises(AdapterConfigInvalid):
        create_adapter("spool", "", {"directory": str(root / "link" / "cards")}, root=root)
    assert list(elsewhere.iterdir()) == []
    create_adapter("spool", "", {"directory": str(root / "cards")}, root=root).close()
    assert (root / "cards").is_dir()


def test_check_adapter_writes_nothing(tmp_path: Path) -> None:
    check_adapter("simulator", "simulator://s", {"state_dir": str(tmp_path / "sims")}, root=tmp_path)
    check_adapter("spool", "", {"directory": str(tmp_path / "spool")}, root=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_file_store_needs_an_absolute_directory_and_a_plain_name(tmp_path: Path) -> None:
    with pytest.raises(AdapterConfigInvalid):
        FileStore(Path("relative"))
    with pytest.raises(AdapterConfigInvalid), FileStore(tmp_path).transaction("../escape"):
        pass
    assert list(tmp_path.iterdir()) == []
