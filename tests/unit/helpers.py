"""Small helpers the unit tests share (imported as `from helpers import ...`)."""

import base64
import contextlib
import warnings


@contextlib.contextmanager
def no_warnings():
    """Turn every warning inside the block into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def png(app) -> bytes:
    """The PNG an InteractiveFigure currently shows."""
    return base64.b64decode(app.output.outputs[0]["data"]["image/png"])
