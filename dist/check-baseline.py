#!/usr/bin/env python3
"""Checks a binary against the EL9 baseline (dist/el9-baseline.txt), as auditwheel does for
manylinux: every shared library it needs (readelf -d, DT_NEEDED) must be listed, and every
versioned symbol it imports (objdump -T) must be at or below the listed version for its prefix.

Usage: check-baseline.py BASELINE BINARY
Prints one line per problem, naming the symbol and the version, and exits 1 when there is any;
prints the libraries and the newest version needed from each, and exits 0, when there is none.
Exit 2 when the baseline or the binary cannot be read.
"""
import re
import subprocess
import sys


def version_key(text):
    return tuple(int(part) for part in text.split("."))


def load_baseline(path):
    limits, libraries = {}, {}
    with open(path) as handle:
        for number, line in enumerate(handle, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if words[0] == "version" and len(words) == 3 and re.fullmatch(r"[0-9.]+", words[2]):
                limits[words[1]] = words[2]
            elif words[0] == "library" and len(words) == 4:
                libraries[words[1]] = (words[2], words[3])
            else:
                sys.exit(f"check-baseline: {path}:{number}: cannot read {line.strip()!r}")
    return limits, libraries


def run(*arguments):
    result = subprocess.run(arguments, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"check-baseline: {' '.join(arguments)} failed: {result.stderr.strip()}", file=sys.stderr)
        sys.exit(2)
    return result.stdout


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    baseline, binary = sys.argv[1], sys.argv[2]
    limits, libraries = load_baseline(baseline)
    problems = []

    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run("readelf", "-W", "-d", binary))
    for library in needed:
        if library not in libraries:
            problems.append(f"{binary}: needs {library}, which is not in the EL9 baseline ({baseline})")

    # objdump -T: "0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.35) hypot"
    newest = {}
    for line in run("objdump", "-T", binary).splitlines():
        match = re.search(r"\*UND\*\s+\S+\s+(?:\(([^)]+)\)|([A-Za-z_]+[0-9.]*))\s+(\S+)$", line)
        if not match:
            continue
        version, symbol = match.group(1) or match.group(2), match.group(3)
        if version in ("Base", None):
            continue
        if version == "GLIBC_PRIVATE":
            problems.append(f"{binary}: {symbol}@GLIBC_PRIVATE: glibc's private interface, not stable across glibc versions")
            continue
        versioned = re.fullmatch(r"([A-Z]+)_([0-9][0-9.]*)", version)
        if not versioned:
            problems.append(f"{binary}: {symbol}@{version}: a version the baseline does not know")
            continue
        prefix, number = versioned.groups()
        if prefix not in limits:
            problems.append(f"{binary}: {symbol}@{version}: no {prefix} versions are allowed by the baseline")
        elif version_key(number) > version_key(limits[prefix]):
            problems.append(f"{binary}: {symbol}@{version} is newer than the EL9 baseline {prefix}_{limits[prefix]}")
        if prefix not in newest or version_key(number) > version_key(newest[prefix][0]):
            newest[prefix] = (number, symbol)

    for problem in problems:
        print(problem)
    if problems:
        print(f"check-baseline: {binary}: {len(problems)} problem(s) against {baseline}", file=sys.stderr)
        return 1
    print(f"{binary}: within the EL9 baseline ({baseline})")
    for library in needed:
        el9, debian = libraries[library]
        print(f"  needs {library:22} EL9 {el9:16} Debian {debian}")
    for prefix, (number, symbol) in sorted(newest.items()):
        print(f"  newest {prefix}_{number} (for {symbol}; baseline {prefix}_{limits[prefix]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
