"""The wire layer: GitBook's JSON <-> the models, strictly typed, with JSON paths in errors.

``structure``/``structure_response`` build models from decoded JSON, ``unstructure`` turns
models back into it, and ``make_converter`` builds a converter configured for the wire format.
Importing this package also gives the models their ``to_dict()`` (``gitbook_async`` imports it).
"""

from gitbook_async._wire._converter import (
    make_converter,
    structure,
    structure_response,
    unstructure,
)

__all__ = ["make_converter", "structure", "structure_response", "unstructure"]
