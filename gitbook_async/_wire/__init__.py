"""The wire layer: GitBook's JSON <-> the models, strictly typed, with JSON paths in errors.

``structure``/``structure_response`` build models from decoded JSON, ``unstructure`` turns
models back into it, and ``make_converter`` builds a converter configured for the wire format.
``structure_body`` builds models from response bytes: in C when it can (``decode_models``,
msgspec; ``OwnerMemo`` shares owners across a walk's pages), else through the cattrs path.
Importing this package also gives the models their ``to_dict()`` (``gitbook_async`` imports it).
"""

from gitbook_async._wire._accelerated import (
    OwnerMemo,
    decode_models,
    is_accelerated,
    structure_body,
)
from gitbook_async._wire._converter import (
    make_converter,
    structure,
    structure_response,
    unstructure,
)

__all__ = [
    "OwnerMemo",
    "decode_models",
    "is_accelerated",
    "make_converter",
    "structure",
    "structure_body",
    "structure_response",
    "unstructure",
]
