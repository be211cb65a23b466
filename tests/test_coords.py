"""Move encodings agree with known points, with sgfmill, and reject bad input."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from sgfmill import common as sgf_common

from ogsbot.ogs.coords import (
    GTP_COLUMNS,
    RESIGN,
    Point,
    gtp_to_ogs,
    gtp_to_xy,
    ogs_move_to_xy,
    ogs_to_gtp,
    ogs_to_xy,
    pack_ogs,
    parse_gtp_move,
    sgf_to_xy,
    unpack_ogs,
    xy_to_gtp,
    xy_to_ogs,
    xy_to_sgf,
)

# (size, GTP vertex, (x, y), sgfmill (row, col), OGS letters)
KNOWN_POINTS = [
    (19, "A1", (0, 18), (0, 0), "as"),
    (19, "A19", (0, 0), (18, 0), "aa"),
    (19, "T1", (18, 18), (0, 18), "ss"),
    (19, "T19", (18, 0), (18, 18), "sa"),
    (19, "D4", (3, 15), (3, 3), "dp"),
    (19, "Q16", (15, 3), (15, 15), "pd"),
    (19, "K10", (9, 9), (9, 9), "jj"),
    (19, "J10", (8, 9), (9, 8), "ij"),
    (19, "H8", (7, 11), (7, 7), "hl"),
    (9, "D4", (3, 5), (3, 3), "df"),
    (9, "E5", (4, 4), (4, 4), "ee"),
    (25, "Z25", (24, 0), (24, 24), "ya"),
    (25, "A1", (0, 24), (0, 0), "ay"),
    (1, "A1", (0, 0), (0, 0), "aa"),
]

# (width, height) boards for exhaustive round trips.
BOARDS = [(1, 1), (2, 2), (7, 9), (9, 7), (9, 9), (13, 13), (15, 17), (19, 19), (25, 25), (25, 1)]


def all_points(width: int, height: int) -> list[Point]:
    """Every point of a width x height board."""
    return [(x, y) for y in range(height) for x in range(width)]


@pytest.mark.parametrize(("size", "gtp", "xy", "rowcol", "ogs"), KNOWN_POINTS)
def test_known_points(size: int, gtp: str, xy: Point, rowcol: tuple[int, int], ogs: str) -> None:
    assert gtp_to_xy(gtp, size) == xy
    assert xy_to_gtp(xy, size) == gtp
    assert ogs_to_xy(ogs, size) == xy
    assert xy_to_ogs(xy, size) == ogs
    assert xy_to_sgf(xy, size) == rowcol
    assert sgf_to_xy(rowcol, size) == xy
    assert ogs_to_gtp(ogs, size) == gtp
    assert gtp_to_ogs(gtp, size) == ogs


def test_sgfmill_facts() -> None:
    assert sgf_common.format_vertex((0, 0)) == "A1"
    assert sgf_common.move_from_vertex("D4", 19) == (3, 3)
    assert sgf_common.column_letters == GTP_COLUMNS


@pytest.mark.parametrize("size", range(1, 26))
def test_agrees_with_sgfmill_on_every_point(size: int) -> None:
    for xy in all_points(size, size):
        rowcol = xy_to_sgf(xy, size)
        gtp = xy_to_gtp(xy, size)
        assert sgf_common.format_vertex(rowcol) == gtp
        assert sgf_common.move_from_vertex(gtp, size) == rowcol
        assert gtp_to_xy(gtp, size) == xy


@pytest.mark.parametrize(("width", "height"), BOARDS)
def test_round_trips_over_every_point(width: int, height: int) -> None:
    points = all_points(width, height)
    ogs_seen = set()
    gtp_seen = set()
    for xy in points:
        ogs = xy_to_ogs(xy, width, height)
        gtp = xy_to_gtp(xy, width, height)
        ogs_seen.add(ogs)
        gtp_seen.add(gtp)
        assert ogs_to_xy(ogs, width, height) == xy
        assert gtp_to_xy(gtp, width, height) == xy
        assert gtp_to_xy(gtp.lower(), width, height) == xy
        assert sgf_to_xy(xy_to_sgf(xy, width, height), width, height) == xy
        assert ogs_to_gtp(ogs, width, height) == gtp
        assert gtp_to_ogs(gtp, width, height) == ogs
        assert ogs_move_to_xy([xy[0], xy[1], 1234], width, height) == xy
    # Encodings are injective.
    assert len(ogs_seen) == len(gtp_seen) == len(points)
    packed = pack_ogs(points, width, height)
    assert len(packed) == 2 * len(points)
    assert unpack_ogs(packed, width, height) == points


@pytest.mark.parametrize(
    ("width", "height", "xy", "gtp", "rowcol", "ogs"),
    [
        # Non-square: x runs along the width, y (and GTP/sgfmill rows) along the height.
        (7, 9, (0, 0), "A9", (8, 0), "aa"),
        (7, 9, (6, 8), "G1", (0, 6), "gi"),
        (7, 9, (6, 0), "G9", (8, 6), "ga"),
        (9, 7, (8, 0), "J7", (6, 8), "ia"),
        (15, 17, (14, 16), "P1", (0, 14), "oq"),
        (25, 1, (24, 0), "Z1", (0, 24), "ya"),
    ],
)
def test_non_square_boards(
    width: int, height: int, xy: Point, gtp: str, rowcol: tuple[int, int], ogs: str
) -> None:
    assert xy_to_gtp(xy, width, height) == gtp
    assert gtp_to_xy(gtp, width, height) == xy
    assert xy_to_sgf(xy, width, height) == rowcol
    assert sgf_to_xy(rowcol, width, height) == xy
    assert xy_to_ogs(xy, width, height) == ogs
    assert ogs_to_xy(ogs, width, height) == xy


def test_ogs_letter_i_is_used() -> None:
    assert ogs_to_xy("ii", 19) == (8, 8)
    assert xy_to_ogs((8, 8), 19) == "ii"
    assert xy_to_gtp((8, 8), 19) == "J11"


# --- passes and resignations ---------------------------------------------------------


@pytest.mark.parametrize("text", ["pass", "PASS", "Pass", "pAsS"])
def test_gtp_pass_any_case(text: str) -> None:
    assert parse_gtp_move(text, 19) is None
    assert gtp_to_xy(text, 19) is None
    assert gtp_to_ogs(text, 19) == ".."


@pytest.mark.parametrize("text", ["resign", "RESIGN", "Resign"])
def test_gtp_resign_any_case(text: str) -> None:
    assert parse_gtp_move(text, 19) is RESIGN
    with pytest.raises(ValueError, match="resignation"):
        gtp_to_xy(text, 19)
    with pytest.raises(ValueError, match="resignation"):
        gtp_to_ogs(text, 19)


def test_format_pass_and_resign() -> None:
    assert xy_to_gtp(None, 19) == "pass"
    assert xy_to_gtp(RESIGN, 19) == "resign"
    assert xy_to_ogs(None, 19) == ".."
    assert ogs_to_xy("..", 19) is None
    assert ogs_to_gtp("..", 19) == "pass"
    assert xy_to_sgf(None, 19) is None
    assert sgf_to_xy(None, 19) is None
    assert sgf_common.format_vertex(xy_to_sgf(None, 19)) == "pass"


@pytest.mark.parametrize("move", [[-1, -1], [-1, -1, 0], [-1, -1, 1500.5, None, {"blur": 1}]])
def test_ogs_move_array_pass(move: list[Any]) -> None:
    assert ogs_move_to_xy(move, 19) is None


def test_ogs_move_array_point() -> None:
    assert ogs_move_to_xy([3, 15, 2000], 19) == (3, 15)
    assert ogs_move_to_xy((15, 3), 19) == (15, 3)
    assert ogs_move_to_xy([3, 15, 2000, None, {"player_id": 1}], 19) == (3, 15)


@pytest.mark.parametrize(
    ("text", "size", "xy"),
    [("d4", 19, (3, 15)), ("q16", 19, (15, 3)), ("t19", 19, (18, 0)), ("z25", 25, (24, 0)),
     ("j1", 9, (8, 8))],
)  # fmt: skip
def test_gtp_lowercase_columns(text: str, size: int, xy: Point) -> None:
    assert gtp_to_xy(text, size) == xy
    assert gtp_to_xy(text.upper(), size) == xy
    assert xy_to_gtp(xy, size) == text.upper()


# --- packed OGS strings ----------------------------------------------------------------


def test_unpack_and_pack() -> None:
    assert unpack_ogs("ddpp", 19) == [(3, 3), (15, 15)]
    assert pack_ogs([(3, 3), (15, 15)], 19) == "ddpp"
    assert unpack_ogs("", 19) == []
    assert pack_ogs([], 19) == ""
    assert pack_ogs(iter([(0, 0)]), 9) == "aa"
    assert unpack_ogs("aaia", 9) == [(0, 0), (8, 0)]


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "width", "height", "message"),
    [
        ("Z99", 19, 19, "GTP vertex 'Z99' is off a 19x19 board"),
        ("U1", 19, 19, "GTP vertex 'U1' is off a 19x19 board"),
        ("A20", 19, 19, "GTP vertex 'A20' is off a 19x19 board"),
        ("A100", 19, 19, "GTP vertex 'A100' is off a 19x19 board"),
        ("A" + "9" * 5000, 19, 19, "is off a 19x19 board"),
        ("H1", 7, 9, "GTP vertex 'H1' is off a 7x9 board"),
        ("A10", 7, 9, "GTP vertex 'A10' is off a 7x9 board"),
        ("K5", 9, 9, "GTP vertex 'K5' is off a 9x9 board"),
        ("I5", 19, 19, "'I5' is not a GTP vertex: column I is not used"),
        ("i5", 19, 19, "'i5' is not a GTP vertex: column I is not used"),
        ("A0", 19, 19, "rows are numbered from 1"),
        ("D04", 19, 19, "rows are numbered from 1"),
        ("", 19, 19, "'' is not a GTP vertex"),
        ("D", 19, 19, "'D' is not a GTP vertex"),
        ("4", 19, 19, "'4' is not a GTP vertex"),
        ("4D", 19, 19, "'4D' is not a GTP vertex"),
        ("D-4", 19, 19, "'D-4' is not a GTP vertex"),
        ("D+4", 19, 19, "'D+4' is not a GTP vertex"),
        ("D 4", 19, 19, "'D 4' is not a GTP vertex"),
        (" D4", 19, 19, "' D4' is not a GTP vertex"),
        ("D4\n", 19, 19, "is not a GTP vertex"),
        ("D\u0664", 19, 19, "is not a GTP vertex"),  # Arabic-Indic digit four
        ("\u00c44", 19, 19, "is not a GTP vertex"),  # A with diaeresis
        ("\u212a5", 19, 19, "is not a GTP vertex"),  # Kelvin sign, casefolds to k
        ("\u017f5", 19, 19, "is not a GTP vertex"),  # long s, casefolds to s
        ("DD4", 19, 19, "'DD4' is not a GTP vertex"),
        ("passs", 19, 19, "'passs' is not a GTP vertex"),
        ("dp", 19, 19, "'dp' is not a GTP vertex"),
    ],
)
def test_bad_gtp_vertex(text: str, width: int, height: int, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_gtp_move(text, width, height)
    with pytest.raises(ValueError, match=re.escape(message)):
        gtp_to_ogs(text, width, height)


@pytest.mark.parametrize(
    ("text", "width", "height", "message"),
    [
        ("tt", 19, 19, "OGS move 'tt' is off a 19x19 board"),
        ("ta", 19, 19, "OGS move 'ta' is off a 19x19 board"),
        ("at", 19, 19, "OGS move 'at' is off a 19x19 board"),
        ("ja", 9, 9, "OGS move 'ja' is off a 9x9 board"),
        ("ha", 7, 9, "OGS move 'ha' is off a 7x9 board"),
        ("aj", 7, 9, "OGS move 'aj' is off a 7x9 board"),
        ("zz", 25, 25, "OGS move 'zz' is off a 25x25 board"),
        ("", 19, 19, "OGS move '' is not two lowercase letters"),
        ("d", 19, 19, "OGS move 'd' is not two lowercase letters"),
        ("ddd", 19, 19, "OGS move 'ddd' is not two lowercase letters"),
        ("DP", 19, 19, "OGS move 'DP' is not two lowercase letters"),
        ("d4", 19, 19, "OGS move 'd4' is not two lowercase letters"),
        (".", 19, 19, "OGS move '.' is not two lowercase letters"),
        ("a.", 19, 19, "OGS move 'a.' is not two lowercase letters"),
        ("\u00e4a", 19, 19, "is not two lowercase letters"),
        ("pass", 19, 19, "OGS move 'pass' is not two lowercase letters"),
    ],
)
def test_bad_ogs_move(text: str, width: int, height: int, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ogs_to_xy(text, width, height)
    with pytest.raises(ValueError, match=re.escape(message)):
        ogs_to_gtp(text, width, height)


@pytest.mark.parametrize(
    ("packed", "message"),
    [
        ("ddp", "packed OGS points 'ddp' have odd length 3 (on a 19x19 board)"),
        ("d", "odd length 1"),
        ("ddtt", "packed OGS points 'ddtt': 'tt' at offset 2 is off a 19x19 board"),
        ("dd..", "packed OGS points 'dd..' contain a pass at offset 2"),
        ("ddD4", "'D4' at offset 2 is not two lowercase letters"),
    ],
)
def test_bad_packed_ogs(packed: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        unpack_ogs(packed, 19)


@pytest.mark.parametrize(
    ("move", "message"),
    [
        ([19, 0, 100], "OGS move array [19, 0, 100] is off a 19x19 board"),
        ([0, 19], "is off a 19x19 board"),
        ([-1, 5], "is off a 19x19 board"),
        ([5, -1], "is off a 19x19 board"),
        ([-2, -2], "is off a 19x19 board"),
        ([3], "needs at least [x, y]"),
        ([], "needs at least [x, y]"),
        ([3.0, 4.0], "does not start with two ints"),
        (["d", "p"], "does not start with two ints"),
        ([True, False], "does not start with two ints"),
        ([None, None], "does not start with two ints"),
    ],
)
def test_bad_ogs_move_array(move: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ogs_move_to_xy(move, 19)


@pytest.mark.parametrize("move", ["dp", None, 3, {"x": 3, "y": 15}])
def test_ogs_move_array_wrong_type(move: Any) -> None:
    with pytest.raises(TypeError, match="OGS move array must be a list"):
        ogs_move_to_xy(move, 19)


@pytest.mark.parametrize(
    ("xy", "width", "height"),
    [((19, 0), 19, 19), ((0, 19), 19, 19), ((-1, 0), 19, 19), ((0, -1), 19, 19),
     ((7, 0), 7, 9), ((0, 9), 7, 9), ((0, 1), 1, 1)],
)  # fmt: skip
def test_point_off_board(xy: Point, width: int, height: int) -> None:
    message = re.escape(f"point {xy!r} is off a {width}x{height} board")
    with pytest.raises(ValueError, match=message):
        xy_to_ogs(xy, width, height)
    with pytest.raises(ValueError, match=message):
        xy_to_gtp(xy, width, height)
    with pytest.raises(ValueError, match=message):
        xy_to_sgf(xy, width, height)
    with pytest.raises(ValueError, match=message):
        pack_ogs([(0, 0), xy], width, height)


@pytest.mark.parametrize(
    ("rowcol", "width", "height"),
    [((19, 0), 19, 19), ((0, 19), 19, 19), ((-1, 0), 19, 19), ((9, 0), 7, 9), ((0, 7), 7, 9)],
)
def test_sgf_rowcol_off_board(rowcol: tuple[int, int], width: int, height: int) -> None:
    with pytest.raises(ValueError, match=f"is off a {width}x{height} board"):
        sgf_to_xy(rowcol, width, height)


@pytest.mark.parametrize("bad", [[3, 4], (3,), (3, 4, 5), (3.0, 4), (True, 0), "dd", 34])
def test_point_wrong_type(bad: Any) -> None:
    with pytest.raises(TypeError, match="must be a tuple of two ints"):
        xy_to_ogs(bad, 19)
    with pytest.raises(TypeError, match="must be a tuple of two ints"):
        xy_to_gtp(bad, 19)
    with pytest.raises(TypeError, match="must be a tuple of two ints"):
        xy_to_sgf(bad, 19)
    with pytest.raises(TypeError, match="must be a tuple of two ints"):
        sgf_to_xy(bad, 19)


@pytest.mark.parametrize("bad", [None, 44, b"dp", ["d", "p"]])
def test_string_input_wrong_type(bad: Any) -> None:
    with pytest.raises(TypeError, match="OGS move must be a str"):
        ogs_to_xy(bad, 19)
    with pytest.raises(TypeError, match="GTP vertex must be a str"):
        parse_gtp_move(bad, 19)
    with pytest.raises(TypeError, match="GTP vertex must be a str"):
        gtp_to_xy(bad, 19)
    with pytest.raises(TypeError, match="packed OGS points must be a str"):
        unpack_ogs(bad, 19)


@pytest.mark.parametrize("bad", ["ddpp", b"dd"])
def test_pack_rejects_strings(bad: Any) -> None:
    with pytest.raises(TypeError, match="points must be an iterable of"):
        pack_ogs(bad, 19)


@pytest.mark.parametrize(
    ("width", "height", "shown"),
    [(0, None, "0x0"), (26, None, "26x26"), (-1, None, "-1x-1"), (19, 0, "19x0"),
     (19, 26, "19x26"), (26, 19, "26x19"), (100, 100, "100x100")],
)  # fmt: skip
def test_bad_board_size(width: int, height: int | None, shown: str) -> None:
    message = f"board size {shown} is not supported: width and height must be 1..25"
    funcs: list[tuple[Any, Any]] = [
        (ogs_to_xy, "aa"),
        (xy_to_ogs, (0, 0)),
        (gtp_to_xy, "A1"),
        (parse_gtp_move, "pass"),
        (xy_to_gtp, None),
        (xy_to_sgf, (0, 0)),
        (sgf_to_xy, (0, 0)),
        (ogs_to_gtp, ".."),
        (gtp_to_ogs, "A1"),
        (unpack_ogs, ""),
        (pack_ogs, []),
        (ogs_move_to_xy, [-1, -1]),
    ]
    for func, arg in funcs:
        with pytest.raises(ValueError, match=message):
            func(arg, width, height)


@pytest.mark.parametrize(("width", "height"), [(19.0, 19), (19, "19"), (True, True), ("9", None)])
def test_board_size_wrong_type(width: Any, height: Any) -> None:
    with pytest.raises(TypeError, match=r"board (width|height) must be an int"):
        xy_to_gtp(None, width, height)
    with pytest.raises(TypeError, match=r"board (width|height) must be an int"):
        ogs_to_xy("aa", width, height)


def test_every_size_from_1_to_25_is_accepted() -> None:
    for width, height in itertools.product(range(1, 26), repeat=2):
        corner = (width - 1, height - 1)
        assert gtp_to_xy(xy_to_gtp(corner, width, height), width, height) == corner
        assert xy_to_gtp(corner, width, height) == f"{GTP_COLUMNS[width - 1]}1"
        assert ogs_to_xy(xy_to_ogs(corner, width, height), width, height) == corner
