"""Byte links to a DUT: a host firmware process behind a pty, qemu_m4 (semihosting on QEMU's stdio, or its UART
on a TCP socket), a serial port.

Every transport owns what it started: close() kills the process on every exit path, and a process started
here also dies with the runner (PR_SET_PDEATHSIG), so no DUT outlives a killed run.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import select
import signal
import socket
import subprocess
import time
import tty
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from tinyperf.errors import DeviceError, HardwareMissing

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """preexec_fn: the child gets SIGKILL when the runner dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Transport:
    """A bidirectional byte stream. read() returns b"" on timeout and raises DeviceError when the link is gone."""

    description = "DUT"
    #: True when commands may be written ahead of their replies: the link applies back-pressure, so no
    #: byte is lost however far ahead the runner is (a pty, a socket to QEMU), unlike a bare UART
    can_pipeline = False

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, timeout: float) -> bytes:
        raise NotImplementedError

    def exit_status(self) -> str | None:
        """Why the DUT is gone (a process that exited), or None while it may still answer."""
        return None

    def close(self) -> None:
        pass

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _ProcessMixin:
    proc: subprocess.Popen[bytes] | None = None
    stderr_file: IO[bytes] | None = None

    def _kill(self) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.proc = None

    def exit_status(self) -> str | None:
        if self.proc is None:
            return "the DUT process was closed"
        code = self.proc.poll()
        if code is None:
            return None
        tail = ""
        if self.stderr_file is not None:
            with contextlib.suppress(OSError):
                self.stderr_file.flush()
                tail = Path(self.stderr_file.name).read_text(errors="replace").strip()[-400:]
        how = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
        return f"the DUT process {how}" + (f" (stderr: {tail})" if tail else "")


class PtyProcess(_ProcessMixin, Transport):
    """A native firmware (board `host`) with its stdin/stdout on the slave side of a pseudo-terminal."""

    can_pipeline = True

    def __init__(self, argv: list[str], stderr_path: Path | None = None) -> None:
        self.description = f"host DUT {argv[0]}"
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line discipline: '%'-terminated commands pass unchanged
        self.master = master
        self.stderr_file = open(stderr_path, "wb") if stderr_path else None  # noqa: SIM115 (closed in close())
        try:
            self.proc = subprocess.Popen(
                argv, stdin=slave, stdout=slave, stderr=self.stderr_file or subprocess.DEVNULL,
                close_fds=True, preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            os.close(master)
            raise DeviceError(f"cannot start the DUT {argv[0]}: {exc}") from exc
        finally:
            os.close(slave)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.master, view)
            except OSError as exc:
                raise DeviceError(self.exit_status() or f"writing to the DUT failed: {exc}") from exc
            view = view[n:]

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0.0))
        if not ready:
            return b""
        try:
            data = os.read(self.master, 65536)
        except OSError:
            data = b""  # EIO: the slave side is closed, the process has exited
        if not data:
            time.sleep(0.05)
            raise DeviceError(self.exit_status() or "the DUT closed its terminal")
        return data

    def close(self) -> None:
        self._kill()
        if self.master >= 0:
            os.close(self.master)
            self.master = -1
        if self.stderr_file is not None:
            self.stderr_file.close()
            self.stderr_file = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: every qemu_m4 run: the board, no monitor, one virtual nanosecond per instruction (deterministic counts)
QEMU_ARGS = ["-M", "mps2-an386", "-monitor", "none", "-icount", "shift=0,align=off,sleep=off"]
#: the semihosting link: QEMU's own stdin/stdout carry the protocol, so nothing else of QEMU's may touch them
#: (no -nographic, which would put the monitor and UART0 on stdio)
QEMU_SEMIHOSTING_ARGS = ["-display", "none", "-serial", "null", "-semihosting-config", "enable=on,target=native"]
#: the UART link: UART0 on a TCP socket (see QemuDut)
QEMU_UART_ARGS = ["-nographic"]
QEMU_LINKS = ("semihosting", "uart")
_LINK_MARK = re.compile(rb"tinyperf-qemu-link=([a-z]+);")


def qemu_link_of(elf: Path) -> str:
    """Which link a qemu_m4 firmware speaks: the marker firmware/boards/qemu_m4/board.c puts in the ELF
    ("semihosting" by default, "uart" when built with -DTP_QEMU_LINK_UART). A firmware without one predates
    the semihosting link and speaks UART0."""
    try:
        m = _LINK_MARK.search(elf.read_bytes())
    except OSError as exc:
        raise DeviceError(f"cannot read the firmware {elf}: {exc}") from exc
    link = m.group(1).decode() if m else "uart"
    if link not in QEMU_LINKS:
        raise DeviceError(f"{elf}: unknown qemu_m4 link {link!r} (this runner knows {', '.join(QEMU_LINKS)})")
    return link


def qemu_argv(elf: Path, link: str, serial: str | None = None, qemu: str = "qemu-system-arm",
              extra: Sequence[str] = ()) -> list[str]:
    """The qemu-system-arm command line for *elf* over *link*; *serial* is the -serial chardev of the UART link,
    *extra* more options (the cycle plugin)."""
    if link == "semihosting":
        return [qemu, *QEMU_ARGS, *QEMU_SEMIHOSTING_ARGS, *extra, "-kernel", str(elf)]
    return [qemu, *QEMU_ARGS, *QEMU_UART_ARGS, *extra, "-kernel", str(elf), "-serial", serial or "stdio"]


class QemuDut(_ProcessMixin, Transport):
    """qemu-system-arm running a qemu_m4 firmware, over the link the firmware was built for (qemu_link_of).

    semihosting: QEMU's stdin and stdout are pipes to this process; the firmware reads them with SYS_READ,
    a whole burst of pipelined commands per call (~2-3 MB/s host->DUT; UART0 takes ~10-15 KB/s).
    uart: UART0 on a TCP socket; QEMU waits for the connection before starting the guest (wait=on), so the
    boot lines are not lost.
    """

    can_pipeline = True

    def __init__(self, elf: Path, stderr_path: Path | None = None, qemu: str = "qemu-system-arm",
                 connect_timeout: float = 15.0, extra_args: Sequence[str] = ()) -> None:
        self.link = qemu_link_of(elf)
        self.extra_args = list(extra_args)
        self.description = f"qemu_m4 DUT {elf} ({self.link} link)"
        self.sock: socket.socket | None = None
        self.to_dut = -1
        self.from_dut = -1
        self.stderr_file = open(stderr_path, "wb") if stderr_path else None  # noqa: SIM115 (closed in close())
        if self.link == "semihosting":
            self._start_semihosting(elf, qemu)
        else:
            self._start_uart(elf, qemu, connect_timeout)

    def _popen(self, argv: list[str], stdin: int, stdout: int) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=self.stderr_file or subprocess.DEVNULL,
                                    close_fds=True, preexec_fn=_die_with_parent)
        except FileNotFoundError as exc:
            self.close()
            raise HardwareMissing(f"{argv[0]} not found: apt-get install qemu-system-arm") from exc

    def _start_semihosting(self, elf: Path, qemu: str) -> None:
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        self.to_dut, self.from_dut = in_w, out_r
        try:
            self.proc = self._popen(qemu_argv(elf, "semihosting", qemu=qemu, extra=self.extra_args), in_r, out_w)
        finally:
            os.close(in_r)
            os.close(out_w)

    def _start_uart(self, elf: Path, qemu: str, connect_timeout: float) -> None:
        for _attempt in range(3):  # the free port may be taken between probing and QEMU binding it
            port = _free_port()
            # nodelay: without it Nagle on QEMU's side holds each reply byte for our delayed ACK (~22 round
            # trips/s instead of ~1000)
            serial = f"tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on"
            self.proc = self._popen(qemu_argv(elf, "uart", serial, qemu, self.extra_args), subprocess.DEVNULL,
                                    subprocess.DEVNULL)
            deadline = time.monotonic() + connect_timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    self.sock = socket.create_connection(("127.0.0.1", port), timeout=1.0)
                    break
                except OSError:
                    time.sleep(0.05)
            if self.sock is not None:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sock.settimeout(None)
                return
            status = self.exit_status()
            self._kill()
            if status is None:
                break
        self.close()
        raise DeviceError(f"qemu-system-arm did not open its serial socket within {connect_timeout:.0f} s")

    def write(self, data: bytes) -> None:
        try:
            if self.sock is not None:
                self.sock.sendall(data)
                return
            view = memoryview(data)
            while view:
                n = os.write(self.to_dut, view)
                view = view[n:]
        except OSError as exc:
            raise DeviceError(self.exit_status() or f"writing to QEMU failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        source: socket.socket | int = self.sock if self.sock is not None else self.from_dut
        ready, _, _ = select.select([source], [], [], max(timeout, 0.0))
        if not ready:
            return b""
        try:
            data = self.sock.recv(65536) if self.sock is not None else os.read(self.from_dut, 65536)
        except OSError:
            data = b""
        if not data:
            time.sleep(0.05)
            raise DeviceError(self.exit_status() or "QEMU closed the DUT's line")
        return data

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.to_dut >= 0:
            # End of input: the firmware leaves QEMU by itself (SYS_EXIT) when it next reads. QEMU cannot act
            # on SIGTERM while its CPU waits in that read, so give it the chance first.
            os.close(self.to_dut)
            self.to_dut = -1
            if self.proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=0.5)
        self._kill()
        if self.from_dut >= 0:
            os.close(self.from_dut)
            self.from_dut = -1
        if self.stderr_file is not None:
            self.stderr_file.close()
            self.stderr_file = None



class SerialPort(Transport):
    """A real board on a serial port (pyserial). No pipelining: a bare UART drops bytes it cannot take."""

    def __init__(self, port: str, baud: int) -> None:
        import serial

        self.description = f"DUT on {port} at {baud} baud"
        try:
            self.ser = serial.serial_for_url(port, baudrate=baud, timeout=0)
        except (serial.SerialException, ValueError) as exc:
            raise HardwareMissing(f"cannot open {port}: {exc}; attach the board or pass --port") from exc

    def write(self, data: bytes) -> None:
        import serial

        try:
            self.ser.write(data)
            self.ser.flush()
        except serial.SerialException as exc:
            raise DeviceError(f"writing to {self.ser.port} failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        import serial

        try:
            self.ser.timeout = max(timeout, 0.0)
            first = self.ser.read(1)
            if not first:
                return b""
            return first + self.ser.read(self.ser.in_waiting)
        except serial.SerialException as exc:
            raise DeviceError(f"reading from {self.ser.port} failed: {exc}") from exc

    def close(self) -> None:
        self.ser.close()
