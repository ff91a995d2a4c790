#!/bin/sh
# The man pages `make release` generated (dist/manpages.py): one page per command the binary
# defines, each rendering with man -l without a single warning, each with an EXAMPLES section.
# Usage: manpages.sh DIST
set -eu
dist=$1
fail=0
# The commands, from the binary itself (not from the generator): visible ones, except help.
commands=$("$dist/isotrace" --experimental-dump-help | python3 -c '
import json, sys
def walk(command, path):
    yield "-".join(["isotrace"] + path)
    for child in command.get("subcommands", []):
        if child.get("shouldDisplay", True) and child["commandName"] != "help":
            yield from walk(child, path + [child["commandName"]])
print("\n".join(walk(json.load(sys.stdin)["command"], [])))')
count=0
for name in $commands; do
  page=$dist/man/$name.1
  if [ ! -f "$page" ]; then
    echo "FAIL: $name has no man page ($page)"; fail=1; continue
  fi
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=all -l "$page" 2>&1 >/dev/null) || { echo "FAIL: man -l $page failed: $warnings"; fail=1; continue; }
  if [ -n "$warnings" ]; then
    echo "FAIL: $page renders with warnings:"; echo "$warnings"; fail=1
  fi
  text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" 2>/dev/null)
  for section in NAME SYNOPSIS DESCRIPTION EXAMPLES; do
    echo "$text" | grep -q "^$section" || { echo "FAIL: $page has no $section section"; fail=1; }
  done
  count=$((count + 1))
done
# `man isotrace-query` finds the page through MANPATH, as it will once installed.
rm -rf "$dist/man-path" && mkdir -p "$dist/man-path/man1" && cp "$dist"/man/*.1 "$dist/man-path/man1/"
LC_ALL=C.UTF-8 MANPATH=$dist/man-path MANWIDTH=80 man isotrace-query 2>/dev/null | grep -q "isotrace query" \
  || { echo "FAIL: man isotrace-query (MANPATH=$dist/man-path) does not show the page"; fail=1; }
[ $fail -eq 0 ] || exit 1
echo "manpages: $count pages, all commands covered, no groff warnings, man isotrace-query works"
