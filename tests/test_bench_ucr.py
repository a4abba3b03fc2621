"""``benchmarks/bench_ucr.py`` reads sets from any folder and prints their totals.

Issue 22's held-out sets are kept outside the repository: whoever holds them
runs ``bench_ucr.py --data-dir FOLDER --sets NAME ...``. These tests write two
tiny sets in the archive's ``.ts`` format and run the script's 1-NN row (no
backend, no fit) on them.
"""

import pytest

from benchmarks import bench_ucr


def write_ts(path, name, rows, labels, class_labels=None):
    """A ``.ts`` file of equal-length univariate series (classes or targets)."""
    target = (
        f"@classLabel true {' '.join(class_labels)}"
        if class_labels
        else "@targetLabel true"
    )
    header = [
        f"@problemName {name}",
        "@timeStamps false",
        "@missing false",
        "@univariate true",
        "@equalLength true",
        f"@seriesLength {len(rows[0])}",
        target,
        "@data",
    ]
    data = [
        ",".join(str(v) for v in row) + f":{label}"
        for row, label in zip(rows, labels, strict=True)
    ]
    path.write_text("\n".join(header + data) + "\n")


@pytest.fixture
def archive(tmp_path):
    """``Toy`` in its own subfolder (the archive's layout), ``Level`` at the top."""
    up, down = [0.0, 1.0, 2.0, 3.0], [3.0, 2.0, 1.0, 0.0]
    (tmp_path / "Toy").mkdir()
    for part, shift in (("TRAIN", 0.0), ("TEST", 0.1)):
        rows = [[v + shift for v in up], [v + shift for v in down]] * 3
        write_ts(
            tmp_path / "Toy" / f"Toy_{part}.ts",
            "Toy",
            rows,
            ["up", "down"] * 3,
            class_labels=["up", "down"],
        )
        levels = [1.0, 2.0, 3.0, 4.0]
        write_ts(
            tmp_path / f"Level_{part}.ts",
            "Level",
            [[level + shift] * 4 for level in levels],
            levels,
        )
    return tmp_path


def test_set_files_are_found_at_the_top_or_in_the_sets_folder(archive):
    train, test = bench_ucr.set_files("Toy", archive)
    assert (train.name, test.name) == ("Toy_TRAIN.ts", "Toy_TEST.ts")
    assert train.parent == archive / "Toy"
    assert bench_ucr.set_files("Level", archive)[0].parent == archive


def test_a_missing_set_names_the_places_looked_in(archive):
    with pytest.raises(
        ValueError, match="set 'GunPoint': no GunPoint_TRAIN.ts"
    ) as info:
        bench_ucr.set_files("GunPoint", archive)
    assert str(archive / "GunPoint") in str(info.value)


def test_an_unknown_set_stops_the_run_before_any_fit(archive, capsys):
    with pytest.raises(SystemExit) as info:
        bench_ucr.main(["--data-dir", str(archive), "--sets", "Toy", "Nope"])
    assert info.value.code == 2
    assert "set 'Nope'" in capsys.readouterr().err


def test_sets_of_another_folder_are_scored_and_totalled(archive, capsys):
    bench_ucr.main(
        ["--data-dir", str(archive), "--sets", "Toy", "Level", "--only", "nn"]
    )
    out = capsys.readouterr().out
    rows = {
        tuple(cell.strip() for cell in line.strip().strip("|").split("|")[:4])
        for line in out.splitlines()
        if line.count("|") >= 4
    }
    # The nearest training series of each shifted test series has its label.
    assert ("Toy", "1-NN Euclidean", "accuracy", "1.0000") in rows
    assert ("Level", "1-NN Euclidean", "RMSE", "0.0000") in rows
    assert ("all sets", "1-NN Euclidean", "", "mean accuracy 1.0000 (1 set)") in rows
    assert "(all 2)" in out


def labels_of(*names):
    return [(contender, None, label) for contender, label in names]


def test_summary_gives_each_version_its_share_of_the_first_skrnns_time():
    labels = labels_of(("skrnn", "today"), ("skrnn", "filing"), ("nn", "1-NN"))
    rows = bench_ucr.summary_rows(
        labels,
        accuracies={"today": [0.9, 0.8], "filing": [0.9, 0.9], "1-NN": [0.5, 0.7]},
        total={"today": 40.0, "filing": 100.0, "1-NN": 1.0},
        failed={"today": 0, "filing": 0, "1-NN": 0},
        n_sets=3,
    )
    today, filing, nn = rows
    assert today[3] == "mean accuracy 0.8500 (2 sets)"
    assert today[4] == "40.0 (all 3)"
    assert filing[4] == "100.0 (all 3); today takes 0.40x of this"
    assert nn[4] == "1.0 (all 3)"  # only skrnn rows are compared


def test_a_contender_missing_a_set_gets_no_total_and_no_share():
    labels = labels_of(
        ("skrnn", "today"), ("skrnn", "filing"), ("rocket", "MiniRocket")
    )
    rows = bench_ucr.summary_rows(
        labels,
        accuracies={"today": [0.9], "filing": [], "MiniRocket": []},
        total={"today": 40.0, "filing": 50.0, "MiniRocket": 0.0},
        failed={"today": 0, "filing": 1, "MiniRocket": 2},
        n_sets=2,
    )
    # MiniRocket ran on no set: no row; the version that failed once: no total.
    assert [row[1] for row in rows] == ["today", "filing"]
    assert rows[1][3] == ""
    assert rows[1][4] == "1 of 2 sets not scored: no total"
    assert rows[0][4] == "40.0 (all 2)"
