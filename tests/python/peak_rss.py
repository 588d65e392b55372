#!/usr/bin/env python3
"""Runs a command and prints the peak resident memory of its largest process, as JSON.

    peak_rss.py CMD [ARG...]   ->   {"returncode": N, "peak_rss_bytes": B}

The kernel's RUSAGE_CHILDREN maximum covers the command and every descendant it waited for
(zoo's runtime worker processes included), so B is the largest of them. One command per
interpreter: the figure is a maximum over all children so far.
"""
import json
import resource
import subprocess
import sys


def main() -> int:
    done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    json.dump({"returncode": done.returncode, "peak_rss_bytes": kib * 1024}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
