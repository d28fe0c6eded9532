"""The build backend of the sdist: maturin's, after one check.

pip only builds from the sdist where no prebuilt wheel matches the platform. Without a Rust
toolchain, maturin would quietly download a temporary one (minutes, hundreds of MB) or fail with
several lines about Cargo; instead this says in one line what is missing and what to do. Setting
QUALYS_CS_INSTALL_RUST=1 keeps maturin's download.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import maturin

MESSAGE = (
    "qualys-cs: no prebuilt wheel for this platform and no Rust toolchain (cargo) on PATH: install Rust "
    "from https://rustup.rs and retry, or set QUALYS_CS_INSTALL_RUST=1 to let the build fetch a temporary one"
)

# The hooks that need no compiler are maturin's own.
get_requires_for_build_sdist = maturin.get_requires_for_build_sdist
build_sdist = maturin.build_sdist


def _require_cargo() -> None:
    if os.environ.get("QUALYS_CS_INSTALL_RUST") == "1":
        return
    if shutil.which(os.environ.get("CARGO", "cargo")) is None:
        raise SystemExit(MESSAGE)


def get_requires_for_build_wheel(config_settings: Any = None) -> Any:
    _require_cargo()
    return maturin.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_editable(config_settings: Any = None) -> Any:
    _require_cargo()
    return maturin.get_requires_for_build_editable(config_settings)


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Any = None) -> Any:
    _require_cargo()
    return maturin.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def prepare_metadata_for_build_editable(metadata_directory: str, config_settings: Any = None) -> Any:
    _require_cargo()
    return maturin.prepare_metadata_for_build_editable(metadata_directory, config_settings)


def build_wheel(wheel_directory: str, config_settings: Any = None, metadata_directory: str | None = None) -> Any:
    _require_cargo()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory: str, config_settings: Any = None, metadata_directory: str | None = None) -> Any:
    _require_cargo()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)
