"""``skrnn.datasets.load_ts``: the ``.ts`` files of the UCR/UEA/Monash archives."""

import numpy as np
import pytest

from skrnn.datasets import load_ts

CLASSIFICATION = """\
# a comment
@problemName Tiny
@univariate false
@classLabel true up down
@data
1.0,2.0,3.0:4.0,5.0,6.0:up
7.0,?,9.0:10.0,11.0,12.0:down
"""

RAGGED_REGRESSION = """\
@problemname TinyReg
@targetlabel true
@data
1.0,2.0:0.5
3.0,4.0,5.0:1.25
"""


def test_equal_lengths_give_a_3d_array_and_string_labels(tmp_path):
    path = tmp_path / "tiny.ts"
    path.write_text(CLASSIFICATION)
    X, y = load_ts(path)
    assert X.shape == (2, 3, 2) and X.dtype == np.float32
    np.testing.assert_array_equal(X[0, :, 1], [4.0, 5.0, 6.0])
    assert np.isnan(X[1, 1, 0])
    assert list(y) == ["up", "down"]


def test_unequal_lengths_give_a_list_and_float_targets(tmp_path):
    path = tmp_path / "tiny_reg.ts"
    path.write_text(RAGGED_REGRESSION)
    X, y = load_ts(path)
    assert [x.shape for x in X] == [(2, 1), (3, 1)]
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [0.5, 1.25])


def test_a_file_without_data_line_is_an_error(tmp_path):
    path = tmp_path / "broken.ts"
    path.write_text("@problemName Broken\n")
    with pytest.raises(ValueError, match="@data"):
        load_ts(path)


def test_cases_with_different_channel_counts_are_an_error(tmp_path):
    path = tmp_path / "mixed.ts"
    path.write_text("@classLabel true a b\n@data\n1,2:3,4:a\n1,2:b\n")
    with pytest.raises(ValueError, match=r"mixed.ts, line 4: the case has 1 channels"):
        load_ts(path)


def test_a_file_without_labels_reads_every_part_as_a_channel(tmp_path):
    path = tmp_path / "unlabelled.ts"
    path.write_text("@classLabel false\n@data\n1,2,3:4,5,6\n7,8,9:1,2,3\n")
    X, y = load_ts(path)
    assert X.shape == (2, 3, 2) and y is None
    np.testing.assert_array_equal(X[0, :, 1], [4.0, 5.0, 6.0])


def test_bad_cases_are_named_by_file_and_line(tmp_path):
    path = tmp_path / "bad.ts"
    path.write_text("@classLabel true a b\n@data\n1,2,3:4,5:a\n")
    with pytest.raises(ValueError, match=r"bad.ts, line 3: .*different lengths"):
        load_ts(path)
    path.write_text("@classLabel true a b\n@data\n1,2,1e39:a\n")
    with pytest.raises(ValueError, match=r"line 3: a value is beyond float32"):
        load_ts(path)
    path.write_text("@classLabel true a b\n@data\n1,2,3:a\n1,x,3:b\n")
    with pytest.raises(ValueError, match=r"line 4: a value is not a number .*'x'"):
        load_ts(path)
