"""The model compiler: full-int8 TFLite to standalone, bit-exact C (see compiler.compile_model)."""

from tinyperf.codegen.compiler import compile_model

__all__ = ["compile_model"]
