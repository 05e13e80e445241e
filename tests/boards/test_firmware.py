"""Firmware for nano33ble, sparkfun_edge and himax, built with the real cross compilers for each task's
MLPerf reference model: entry point and vector table where the profile puts the application, memory.json
equal to the ELF's sections and within the board's limits, and models that do not fit fail with numbers."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from tests.boards.conftest import BOARDS, TASKS, TOOLS, Builds
from tinyperf import profiles
from tinyperf.errors import BuildError
from tinyperf.firmware.build import board_layer_files, build_firmware

PAIRS = [(b, t) for t in TASKS for b in BOARDS]


def _symbols(elf: ELFFile) -> dict[str, int]:
    symtab = elf.get_section_by_name(".symtab")
    return {s.name: s["st_value"] for s in symtab.iter_symbols() if s.name}


def _word(elf: ELFFile, addr: int) -> int:
    for sec in elf.iter_sections():
        start = sec["sh_addr"]
        if sec["sh_type"] != "SHT_NOBITS" and start <= addr < start + sec["sh_size"]:
            off = addr - start
            return int.from_bytes(sec.data()[off : off + 4], "little")
    raise AssertionError(f"no section holds {addr:#x}")


@pytest.mark.parametrize(("board", "task"), PAIRS)
def test_vector_table_and_entry_at_configured_origin(builds: Builds, board: str, task: str) -> None:
    result = builds.get(board, task)
    mem = profiles.board(board)["memory"]
    origin = mem["flash_origin"]
    with open(result.firmware, "rb") as f:
        elf = ELFFile(f)
        syms = _symbols(elf)
        first = min((s for s in elf.iter_sections() if s["sh_flags"] & SH_FLAGS.SHF_ALLOC and s["sh_size"]),
                    key=lambda s: s["sh_addr"])
        assert first["sh_addr"] == origin, f"lowest section {first.name} at {first['sh_addr']:#x}"
        if board == "himax":
            # ARCv2: word 0 of the vector table is the reset vector; the bootloader enters at e_entry
            assert first.name == ".vector"
            assert syms["arc_vector_table"] == origin
            assert elf.header["e_entry"] == syms["_arc_reset"]
            assert _word(elf, origin) == syms["_arc_reset"]
            assert elf.header["e_machine"] == "EM_ARC_COMPACT2"
        else:
            # Cortex-M: initial SP then the reset vector (Thumb bit set), read back from the flashed .bin
            assert first.name == ".isr_vector"
            image = (result.out_dir / "firmware.bin").read_bytes()
            sp, reset = int.from_bytes(image[0:4], "little"), int.from_bytes(image[4:8], "little")
            assert sp == syms["__stack_top"]
            assert mem["ram_origin"] < sp <= mem["ram_origin"] + mem["ram_bytes"]
            assert reset == elf.header["e_entry"] == syms["Reset_Handler"] | 1
            assert origin <= reset < origin + mem["flash_bytes"]
            assert elf.header["e_machine"] == "EM_ARM"


@pytest.mark.parametrize(("board", "task"), PAIRS)
def test_memory_json_matches_elf_and_limits(builds: Builds, board: str, task: str) -> None:
    result = builds.get(board, task)
    mem = profiles.board(board)["memory"]
    flash: dict[str, int] = {}
    ram: dict[str, int] = {}
    with open(result.firmware, "rb") as f:
        for sec in ELFFile(f).iter_sections():
            if not sec["sh_flags"] & SH_FLAGS.SHF_ALLOC or not sec["sh_size"]:
                continue
            if sec["sh_type"] == "SHT_NOBITS":
                ram[sec.name] = sec["sh_size"]
            else:
                flash[sec.name] = sec["sh_size"]
                if sec["sh_flags"] & SH_FLAGS.SHF_WRITE:
                    ram[sec.name] = sec["sh_size"]
    report = result.memory
    assert report["flash"]["sections"] == flash
    assert report["ram"]["sections"] == ram
    assert report["flash"]["used_bytes"] == sum(flash.values())
    assert report["ram"]["used_bytes"] == sum(ram.values())
    assert report["flash"]["limit_bytes"] == mem["flash_bytes"]
    assert report["ram"]["limit_bytes"] == mem["ram_bytes"]
    assert report["flash"]["used_bytes"] <= mem["flash_bytes"]
    assert report["ram"]["used_bytes"] <= mem["ram_bytes"]
    assert ".stack" in ram  # the stack is reserved, so it counts against RAM
    on_disk = (result.out_dir / "memory.json").read_text()
    assert f'"used_bytes": {report["flash"]["used_bytes"]}' in on_disk


@pytest.mark.parametrize("task", TASKS)
def test_himax_is_self_contained(builds: Builds, task: str) -> None:
    """No undefined symbols and nothing from Debian's libgcc (ARC HS code): the firmware carries its own."""
    result = builds.get("himax", task)
    nm = subprocess.run([TOOLS["arc-em"] + "nm", "-u", str(result.firmware)], capture_output=True, text=True,
                        check=True)
    assert nm.stdout.strip() == ""
    link_map = (result.out_dir / "firmware.map").read_text()
    assert "libgcc.a" not in link_map and "gcc-cross" not in link_map
    assert "Archive member included" not in link_map
    attrs = subprocess.run([TOOLS["arc-em"] + "readelf", "-A", str(result.firmware)], capture_output=True,
                           text=True, check=True).stdout
    assert 'Tag_ARC_CPU_name: "arcem"' in attrs
    # one flat .bin would span ICCM1..SRAM (256 MB): per-region images instead
    iccm = (result.out_dir / "firmware_iccm1.bin").read_bytes()
    with open(result.firmware, "rb") as f:
        assert int.from_bytes(iccm[:4], "little") == _symbols(ELFFile(f))["_arc_reset"]
    assert (result.out_dir / "firmware_sram.bin").stat().st_size > 0


@pytest.mark.parametrize("board", ["nano33ble", "sparkfun_edge"])
def test_baud_of_the_task_reaches_the_uart(builds: Builds, board: str) -> None:
    """ad runs at 921600 baud, kws at 115200: the UART setup differs accordingly."""
    objdump = TOOLS["cortex-m4"] + "objdump"

    def board_init(task: str) -> str:
        fw = builds.get(board, task).firmware
        out = subprocess.run([objdump, "-d", str(fw)], capture_output=True, text=True, check=True).stdout
        return out.split("<board_init>:", 1)[1].split("\n\n", 1)[0]

    fast, slow = board_init("ad"), board_init("kws")
    if board == "nano33ble":
        assert "0x0ebed000" in fast.lower() or "ebed000" in fast.lower()
        assert "1d7e000" in slow.lower()
    else:
        assert fast != slow


def test_model_that_does_not_fit_ram_fails_with_numbers(builds: Builds, patched_profile, tmp_path: Path) -> None:
    model_dir = builds.model("vww", "cortex-m4").result()
    patched_profile("board", "nano33ble", {"memory": {"ram_bytes": 64 * 1024}})
    with pytest.raises(BuildError, match=r"^vww needs (\d+) KB RAM, nano33ble has 64 KB") as exc:
        build_firmware("nano33ble", model_dir, "vww", tmp_path / "fw")
    needed = int(re.match(r"vww needs (\d+) KB", str(exc.value)).group(1))
    assert needed * 1024 >= builds.get("nano33ble", "vww").memory["ram"]["used_bytes"]
    assert not (tmp_path / "fw").exists()  # nothing half-built under the final name


def test_model_that_does_not_fit_flash_fails_with_numbers(builds: Builds, patched_profile, tmp_path: Path) -> None:
    """The post-link check (himax's regions are the chip's; the profile's budget is what the user sets)."""
    model_dir = builds.model("vww", "arc-em").result()
    patched_profile("board", "himax", {"memory": {"flash_bytes": 128 * 1024}})
    with pytest.raises(BuildError, match=r"^vww needs (\d+) KB flash, himax has 128 KB"):
        build_firmware("himax", model_dir, "vww", tmp_path / "fw")


def test_himax_region_overflow_names_the_region(builds: Builds, tmp_path: Path) -> None:
    """1.2 MB of weights overflow SYSTEM0 SRAM (934 KB) long before the 2 MB budget: the message gives the
    region's own size. The model is hand-written to the model.h contract of `tinyperf codegen`."""
    del builds  # only for the toolchain check
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "model.h").write_text(
        "#ifndef MODEL_H\n#define MODEL_H\n#include <stdint.h>\n"
        "#define MODEL_INPUT_SIZE 490\n#define MODEL_OUTPUT_SIZE 12\n#define MODEL_ARENA_SIZE 0\n"
        "#define MODEL_INPUT_SCALE 0.5f\n#define MODEL_INPUT_ZERO_POINT 0\n"
        "#define MODEL_OUTPUT_SCALE 0.00390625f\n#define MODEL_OUTPUT_ZERO_POINT -128\n"
        "int model_invoke(const int8_t *in, int8_t *out);\n#endif\n"
    )
    weights = 1200 * 1024
    (model_dir / "model.c").write_text(
        '#include "model.h"\n'
        f"static const int8_t weights[{weights}] = {{1}};\n"
        "int model_invoke(const int8_t *in, int8_t *out)\n{\n    int i;\n"
        f"    for (i = 0; i < MODEL_OUTPUT_SIZE; i++) out[i] = (int8_t)(in[i] + weights[(i * 7919) % {weights}]);\n"
        "    return 0;\n}\n"
    )
    with pytest.raises(BuildError, match=r"^kws needs (\d+) KB RAM \(SRAM\), himax has 934 KB") as exc:
        build_firmware("himax", model_dir, "kws", tmp_path / "fw")
    assert int(re.match(r"kws needs (\d+) KB", str(exc.value)).group(1)) > weights // 1024


def test_sparkfun_edge_asb_origin_from_profile(builds: Builds, patched_profile, tmp_path: Path) -> None:
    """Behind the Ambiq Secure Bootloader the application starts at 0xC000: only the profile changes."""
    model_dir = builds.model("kws", "cortex-m4").result()
    patched_profile("board", "sparkfun_edge", {"memory": {"flash_origin": 0xC000}})
    result = build_firmware("sparkfun_edge", model_dir, "kws", tmp_path / "fw")
    with open(result.firmware, "rb") as f:
        elf = ELFFile(f)
        assert elf.get_section_by_name(".isr_vector")["sh_addr"] == 0xC000
        reset = elf.header["e_entry"]
    image = (tmp_path / "fw" / "firmware.bin").read_bytes()
    assert int.from_bytes(image[4:8], "little") == reset
    assert 0xC000 < reset < 0x10000 + len(image)


def test_unsupported_baud_fails_the_build(builds: Builds, patched_profile, tmp_path: Path) -> None:
    model_dir = builds.model("kws", "cortex-m4").result()
    patched_profile("task", "kws", {"dut": {"baud": 12345}})
    with pytest.raises(BuildError, match="unsupported TP_UART_BAUD"):
        build_firmware("nano33ble", model_dir, "kws", tmp_path / "fw")


def test_cortex_m_boards_build_the_shared_folder(builds: Builds) -> None:
    """nano33ble and sparkfun_edge compile firmware/boards/cortex_m/ (their profiles' firmware.shared), each
    with its own cm4_board.h: the vector table is sized for the board's own interrupt count."""
    irqs = {"nano33ble": 48, "sparkfun_edge": 32}
    for board, n in irqs.items():
        assert "firmware/boards/cortex_m/startup_cm4.c" in board_layer_files(board)
        result = builds.get(board, "kws")
        assert "cortex_m/startup_cm4.c" in (result.out_dir / "build.log").read_text()
        with open(result.firmware, "rb") as f:
            elf = ELFFile(f)
            vectors = elf.get_section_by_name(".isr_vector")
            assert vectors["sh_size"] == 4 * (16 + n)


def test_missing_shared_folder_fails_with_the_key(builds: Builds, patched_profile, tmp_path: Path) -> None:
    model_dir = builds.model("kws", "cortex-m4").result()
    patched_profile("board", "nano33ble", {"firmware": {"shared": ["cortex_m", "no_such_layer"]}})
    with pytest.raises(BuildError, match=r"firmware\.shared names 'no_such_layer'"):
        build_firmware("nano33ble", model_dir, "kws", tmp_path / "fw")


@pytest.mark.parametrize(("board", "task"), PAIRS)
def test_cross_builds_see_only_the_compilers_own_headers(builds: Builds, board: str, task: str) -> None:
    """Every compile of a board build runs with -nostdinc plus the compiler's own include folder, so no libc
    header a machine happens to have (the host's /usr/include, newlib's) can take part."""
    from tinyperf.firmware.toolchain import compiler_include_dir

    result = builds.get(board, task)
    cc = profiles.board(board)["toolchain"]["prefix"] + "gcc"
    compiles = [line for line in (result.out_dir / "build.log").read_text().splitlines()
                if line.startswith("$ ") and " -c " in line]
    assert compiles
    for line in compiles:
        assert " -nostdinc " in line and f" -isystem {compiler_include_dir(cc)} " in line, line
        assert "/usr/include" not in line and "newlib" not in line, line
