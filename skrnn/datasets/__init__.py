"""Small time-series data sets bundled with skrnn.

Importing this subpackage loads pandas but neither TensorFlow nor Keras.
"""

from ._airline import load_airline

__all__ = ["load_airline"]
