"""The DUT protocol, reply for reply, against the reference firmware's texts (host board, a pipe)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import build, make_model, mask_laps, pipe_session

BOOT = "m-timestamp-mode-performance\r\nm-lap-us-T\r\nm-init-done\r\nm-ready\r\n"
READY = "m-ready\r\n"


@pytest.fixture(scope="module")
def kws_fw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("kws")
    return build("host", "kws", make_model("kws").write(tmp / "model"), tmp / "fw")


def session(fw: Path, commands: str) -> str:
    out = mask_laps(pipe_session(fw, commands))
    assert out.startswith(BOOT)
    return out[len(BOOT):]


def test_boot_lines_ad(tmp_path: Path) -> None:
    fw = build("host", "ad", make_model("ad").write(tmp_path / "m"), tmp_path / "fw")
    out = mask_laps(pipe_session(fw, ""))
    assert out == "m-timestamp-mode-performance\r\nm-lap-us-T\r\nInitialized\r\nm-init-done\r\nm-ready\r\n"


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("name", "m-name-dut-[tinyperf]\r\n"),
        ("profile", "m-profile-[ULPMark for tinyML Firmware V0.0.1]\r\nm-model-[kws01]\r\n"),
        ("timestamp", "m-lap-us-T\r\n"),
        ("bogus", "e-[Unknown command: bogus]\r\n"),
        ("", "e-[Unknown command: ]\r\n"),
        ("db", "e-[Command 'db' requires a subcommand]\r\n"),
        ("db load", "e-[Command 'db load' requires the # of bytes]\r\n"),
        ("db load 0", "e-[Command 'db load' must be >0 bytes]\r\n"),
        ("db load x", "e-[Command 'db load' must be >0 bytes]\r\n"),
        ("db load 491", "Supplied buffer size 491 exceeds maximum of 490\n"),
        ("db load 490", "m-[Expecting 490 bytes]\r\n"),
        ("db 0", "e-[Insufficent number of hex digits]\r\n"),
        ("infer 0", "e-[Inference iterations must be >0]\r\n"),
        ("infer -3 1", "e-[Inference iterations must be >0]\r\n"),
        ("infer 1 -1", "e-[Inference warmup must be >=0]\r\n"),
    ],
)
def test_single_command_replies(kws_fw: Path, command: str, reply: str) -> None:
    assert session(kws_fw, command + "%") == reply + READY


def test_help_text(kws_fw: Path) -> None:
    out = session(kws_fw, "help%")
    assert out.startswith("ULPMark for tinyML Firmware V0.0.1\r\n\r\nhelp         : Print this information\r\n")
    assert "infer N [W=0]: Load input, execute N inferences after W warmup loops\r\n" in out
    assert out.endswith("results      : Return the result fp32 vector\r\n" + READY)


def test_load_print_and_bad_hex(kws_fw: Path) -> None:
    out = session(kws_fw, "db load 10%db 0102030405%db 06ZZ%db print%db 060708090a0b0c%db print%")
    assert out == (
        "m-[Expecting 10 bytes]\r\n" + READY
        + READY
        + "e-[Invalid hex digit 'ZZ']\r\n" + READY
        # the reference prints the whole announced size and ends a partial line twice
        + "m-buffer-01-02-03-04-05-06-00-00\r\nm-buffer-00-00\r\n\r\n" + READY
        + "m-load-done\r\n" + READY
        + "m-buffer-01-02-03-04-05-06-06-07\r\nm-buffer-08-09\r\n\r\n" + READY
    )


def test_data_beyond_the_buffer_is_refused_and_dut_stays_responsive(kws_fw: Path) -> None:
    out = session(kws_fw, "db load 2%db 0102%db 0304%db load 100000%db 05%name%")
    assert out == (
        "m-[Expecting 2 bytes]\r\n" + READY
        + "m-load-done\r\n" + READY
        + "e-[Buffer full: 'db load N' first]\r\n" + READY
        + "Supplied buffer size 100000 exceeds maximum of 490\n" + READY
        + "e-[Buffer full: 'db load N' first]\r\n" + READY
        + "m-name-dut-[tinyperf]\r\n" + READY
    )


def test_overlong_and_garbage_commands(kws_fw: Path) -> None:
    long = "x" * 200
    out = session(kws_fw, long + "%\x01\x7f garbage%name%")
    assert out == (
        f"e-[Unknown command: {'x' * 80}]\r\n" + READY  # truncated to the 80-character buffer
        + "e-[Unknown command: \x01\x7f]\r\n" + READY
        + "m-name-dut-[tinyperf]\r\n" + READY
    )


def test_infer_reply_structure(kws_fw: Path) -> None:
    out = session(kws_fw, "infer 3 2%infer%results%")
    lines = out.split("\r\n")
    assert lines[:9] == ["Input db has 0 elemented, expected 490\nm-warmup-start-2", "m-warmup-done", "m-infer-start-3",
                         "m-lap-us-T", "m-lap-us-T", "m-infer-done", lines[6], "m-ready",
                         "Input db has 0 elemented, expected 490\nm-warmup-start-10"]
    assert lines[6].startswith("m-results-[") and lines[6].count(",") == 11
    # `infer` alone: N=1 and the reference's default warmup of 10
    assert "m-infer-start-1" in lines
    assert lines[-3].startswith("m-results-[") and lines[-2] == "m-ready"
