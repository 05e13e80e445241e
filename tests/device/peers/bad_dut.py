#!/usr/bin/env python3
"""A misbehaving DUT for runner tests: speaks the protocol correctly until its fault (argv[1]) strikes.

Faults no real firmware can be made to show on demand: silence, death mid-run, garbled lines, error replies,
line noise, lines cut short, wrong result counts, NaN, endless lines, a missing m-ready, a clock going backwards.
"""

import os
import sys
import time

MODE = sys.argv[1]
out = sys.stdout.buffer


def say(*lines: str) -> None:
    out.write("".join(line + "\r\n" for line in lines).encode())
    out.flush()


def main() -> None:
    import termios
    import tty

    if os.isatty(0):
        tty.setraw(0, termios.TCSANOW)
    say("m-timestamp-mode-performance", "m-lap-us-0", "m-init-done", "m-ready")
    buf = b""
    infers = 0
    expected = 0
    got = 0
    clock = 1000
    while True:
        c = os.read(0, 1)
        if not c:
            return
        if c != b"%":
            buf += c
            continue
        cmd, buf = buf.decode(), b""
        tok = cmd.split()
        if tok[0] == "name":
            say("m-name-dut-[bad]", "m-ready")
        elif tok[0] == "profile":
            say("m-profile-[ULPMark for tinyML Firmware V0.0.1]", "m-model-[kws01]", "m-ready")
        elif tok[:2] == ["db", "load"]:
            expected, got = int(tok[2]), 0
            say(f"m-[Expecting {expected} bytes]", "m-ready")
        elif tok[0] == "db":
            got += len(tok[1]) // 2
            say(*(["m-load-done"] if got >= expected else []), "m-ready")
        elif tok[0] == "infer":
            infers += 1
            n = int(tok[1])
            if MODE == "silent" and infers >= 2:
                time.sleep(3600)
            if MODE == "die" and infers >= 3:
                os._exit(7)
            if MODE == "error" and infers >= 2:
                say("e-[Inference failed]", "m-ready")
                continue
            strike = infers >= 2
            if MODE == "huge" and strike:
                out.write(b"A" * (1 << 20))  # a megabyte and no end of line
                out.flush()
                time.sleep(3600)
            if MODE == "garbage" and strike:
                out.write(b"\x8f\xfe\x00m-\xc3(\r\n")
            t0, clock = clock, clock + 100 * n
            if MODE == "backwards" and strike:
                clock = t0 - 50
            lap1 = f"m-lap-us-{clock}" if not (MODE == "garbled" and strike) else "m-lap-us-12#4"
            values = ["0.100", "0.900"] + ["0.000"] * 10
            if MODE == "count" and strike:
                values = values[:11]
            if MODE == "nan" and strike:
                values[3] = "nan"
            done = "m-infer-do" if MODE == "cut" and strike else "m-infer-done"
            say(f"m-warmup-start-{tok[2]}", "m-warmup-done", f"m-infer-start-{n}", f"m-lap-us-{t0}", lap1,
                done, f"m-results-[{','.join(values)}]")
            if not (MODE == "noready" and strike):
                say("m-ready")
        else:
            say(f"e-[Unknown command: {tok[0]}]", "m-ready")


main()
