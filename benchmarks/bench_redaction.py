"""Cost of the secret filter on output (the CLI's stdout and stderr go through it).

Prints, for a registry holding three ordinary API-key-sized secrets (each registered in all its encoded
spellings) and optionally one long secret (`--long N` characters, e.g. a PEM key):
  * microseconds per line written (line-oriented output: results, progress, events);
  * microseconds per streamed token (`--stream`: the filter holds back the end of the line);
  * milliseconds for one large write (a big `--json` result).

    python benchmarks/bench_redaction.py [--long 2000]
"""

from __future__ import annotations

import argparse
import io
import time

from aixgo_cli.secrets.redaction import Redactor
from aixgo_cli.secrets.stream import RedactingStream

LINE = "The quick brown fox jumps over the lazy dog; result item 12345 done.\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--long", type=int, default=0, help="also register a secret this many characters long")
    args = parser.parse_args()
    redactor = Redactor()
    for index in range(3):
        redactor.register(f"key-{index}-Abcdefghijklmnop0123456789+/=&xyz", f"KEY_{index}")
    if args.long:
        redactor.register("L" * args.long, "LONG_KEY")
    stream = RedactingStream(io.StringIO(), redactor)
    lines, tokens = 5000, 2000

    started = time.perf_counter()
    for _ in range(lines):
        stream.write(LINE)
    per_line = (time.perf_counter() - started) / lines
    started = time.perf_counter()
    for _ in range(tokens):
        stream.write("token ")
    per_token = (time.perf_counter() - started) / tokens
    stream.drain()
    big = LINE * 20000
    started = time.perf_counter()
    stream.write(big)
    large = time.perf_counter() - started

    print(f"registered spellings: {redactor.count()}")
    print(f"per line:   {per_line * 1e6:8.1f} us")
    print(f"per token:  {per_token * 1e6:8.1f} us")
    print(f"one write of {len(big) / 1e6:.1f} MB: {large * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
