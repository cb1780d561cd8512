"""Aqua programs on cloudless: the real Aqua compiler (npm `@fluencelabs/aqua-api`, run by Node from
the repository's `aqua/` folder), a cache of its output keyed by the sources' hash, js-client's
conversion of arguments and results, and the `cloudless aqua` commands.

Aqua is what Fluence developers write; compiling with the real compiler (rather than a Python
re-implementation) is what makes an Aqua program written for Fluence run here unchanged.
"""

from cloudless_runtime.aqua.compile import Compiled, CompileError, CompilerMissing, Function, compile_file

__all__ = ["CompileError", "Compiled", "CompilerMissing", "Function", "compile_file"]
