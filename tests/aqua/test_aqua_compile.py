"""`cloudless aqua compile`: the real compiler's AIR and signature per exported function, its own
error messages with file and line (exit 1), and a cache keyed by the sources' hash."""

from __future__ import annotations

import pathlib

import orjson
import pytest
from click.testing import CliRunner
from tests.aqua.conftest import EXAMPLES

from cloudless_runtime import aqua
from cloudless_runtime.cli import main


def test_every_example_compiles_with_the_real_compiler() -> None:
    for source in sorted(EXAMPLES.glob("*.aqua")):
        compiled = aqua.compile_file(source)
        assert compiled.functions, source
        for function in compiled.functions.values():
            assert '("callbackSrv" "response")' in function.air
            assert function.signature["functionName"] == function.name


def test_compile_writes_air_and_signature(tmp_path: pathlib.Path) -> None:
    result = CliRunner().invoke(main, ["aqua", "compile", str(EXAMPLES / "hello.aqua"), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "hello(name: string) -> string, string" in result.stdout
    air = (tmp_path / "hello.air").read_text()
    assert '(call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)' in air
    assert '(call -relay- ("op" "concat_strings") ["Hello, " -name-arg-] ret)' in air
    signature = orjson.loads((tmp_path / "hello.json").read_bytes())
    assert signature["arrow"]["domain"]["fields"] == {"name": {"name": "string", "tag": "scalar"}}


def test_compile_errors_name_file_and_line_and_exit_non_zero(tmp_path: pathlib.Path) -> None:
    source = tmp_path / "broken.aqua"
    source.write_text("aqua Broken declares *\n\nexport f\n\nfunc f(x: i64) -> string:\n  <- x\n")
    result = CliRunner().invoke(main, ["aqua", "compile", str(source)])
    assert result.exit_code == 1
    assert f"---- Error: {source}:6:6" in result.stderr
    assert "Wrong value type, expected: string, given: i64" in result.stderr
    assert "\x1b[" not in result.stderr
    with pytest.raises(aqua.CompileError) as failed:
        aqua.compile_file(source)
    assert len(failed.value.messages) == 2  # the compiler also says nothing of type string is returned


def test_output_is_cached_by_the_sources_hash(tmp_path: pathlib.Path, aqua_cache: pathlib.Path) -> None:
    helper = tmp_path / "helper.aqua"
    helper.write_text('aqua Helper declares *\n\nfunc word() -> string:\n  <- "one"\n')
    main_file = tmp_path / "main.aqua"
    main_file.write_text(
        'aqua Main declares *\n\nexport say\n\nimport "helper.aqua"\n\nfunc say() -> string:\n  <- word()\n'
    )
    first = aqua.compile_file(main_file)
    cached = set(aqua_cache.glob("*.json"))
    assert aqua.compile_file(main_file) == first and set(aqua_cache.glob("*.json")) == cached
    helper.write_text('aqua Helper declares *\n\nfunc word() -> string:\n  <- "two"\n')  # an import changed
    second = aqua.compile_file(main_file)
    assert '"two"' in second.functions["say"].air and len(set(aqua_cache.glob("*.json"))) == len(cached) + 1


def test_a_missing_compiler_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    monkeypatch.setenv("CLOUDLESS_AQUA_DIR", str(tmp_path))
    with pytest.raises(aqua.CompilerMissing, match="make install"):
        aqua.compile_file(EXAMPLES / "hello.aqua")
