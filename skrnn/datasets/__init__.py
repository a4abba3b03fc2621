"""Small time-series data sets bundled with skrnn, and a reader for archive files.

Importing this subpackage loads pandas but neither TensorFlow nor Keras.
"""

from ._airline import load_airline
from ._m4 import load_m4
from ._ts import load_ts

__all__ = ["load_airline", "load_m4", "load_ts"]
