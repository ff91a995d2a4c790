#!/usr/bin/env python3
"""Writes the man pages of isotrace and of every subcommand (isotrace.1, isotrace-audit.1,
isotrace-policy-lint.1, ...) from two sources, so nothing is copied by hand:

- the command definitions, as swift-argument-parser describes them (`isotrace
  --experimental-dump-help`): name, abstract, discussion, every option with its value name,
  default, allowed values and help;
- the examples in README.md: command lines in ```sh blocks, and `$ `-prompted lines in the other
  blocks (synopsis lines and output are not examples).

Every page must get at least one example: a command the README never shows is an error (exit 1),
so a new subcommand cannot ship without its README section.

Usage: manpages.py --binary BIN --readme README.md --out DIR
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys


def escape(text):
    """Roff-escapes one line of text (no requests)."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def paragraphs(text):
    """Roff paragraphs from a help text: blank lines separate paragraphs."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines:
            out.append(".PP")
            out.extend(escape(line) for line in lines)
    return out


def visible(arguments):
    return [a for a in arguments if a.get("shouldDisplay", True)
            and not (a["kind"] == "flag" and a.get("preferredName", {}).get("name") in ("help", "version"))]


def option_names(argument):
    names = []
    for name in argument.get("names", []):
        names.append(("-" if name["kind"] == "short" else "--") + name["name"])
    return names


def synopsis_item(argument):
    value = argument.get("valueName", "value")
    if argument["kind"] == "positional":
        item = f"<{value}>"
    else:
        name = option_names(argument)[-1] if argument.get("names") else f"--{value}"
        item = name if argument["kind"] == "flag" else f"{name} <{value}>"
    if argument.get("isRepeating"):
        item += " ..."
    if argument.get("isOptional"):
        item = f"[{item}]"
    return item


def readme_examples(readme):
    """(command line, comment) pairs from README.md, continuation lines joined."""
    examples = []
    fence = None
    pending = ""
    for raw in open(readme, encoding="utf-8").read().splitlines():
        if raw.startswith("```"):
            fence = None if fence is not None else raw[3:].strip()
            pending = ""
            continue
        if fence is None:
            continue
        line = raw.rstrip()
        if pending:
            line = pending + " " + line.strip()
            pending = ""
        if line.endswith("\\"):
            pending = line[:-1].rstrip()
            continue
        if fence == "sh":
            command = line.strip()
        elif line.startswith("$ "):
            command = line[2:].strip()
        else:
            continue
        if command.startswith("#"):
            continue
        comment = ""
        match = re.search(r"\s+#\s+(.*)$", command)
        if match:
            comment, command = match.group(1), command[: match.start()]
        examples.append((command, comment))
    return examples


def invoked_path(command, paths):
    """The subcommand path (e.g. ('db', 'init')) a README command line runs, or None."""
    words = command.split()
    while words and words[0] in ("sudo", "env") or (words and "=" in words[0] and not words[0].startswith("-")):
        words = words[1:]
    if not words or os.path.basename(words[0]) != "isotrace":
        return None
    best = ()
    for path in paths:
        if tuple(words[1 : 1 + len(path)]) == path and len(path) > len(best):
            best = path
    return best


def page_name(path):
    return "-".join(("isotrace",) + path)


def render(command, path, children, examples, version, date):
    title = page_name(path)
    full = " ".join(("isotrace",) + path)
    out = [f'.TH "{title.upper()}" "1" "{date}" "isotrace {version}" "isotrace manual"',
           ".SH NAME", f"{escape(title)} \\- {escape(command.get('abstract', ''))}",
           ".SH SYNOPSIS", ".nf", ".B " + escape(full)]
    arguments = visible(command.get("arguments", []))
    if children:
        out.append(escape("<subcommand> [<options>]"))
    else:
        line = ""
        for argument in arguments:
            item = synopsis_item(argument)
            if line and len(line) + len(item) > 60:
                out.append(".RS 4\n" + escape(line.strip()) + "\n.RE")
                line = ""
            line += " " + item
        if line:
            out.append(".RS 4\n" + escape(line.strip()) + "\n.RE")
    out.append(".fi")
    out.append(".SH DESCRIPTION")
    out.extend(paragraphs(command.get("abstract", "")))
    if command.get("discussion"):
        out.extend(paragraphs(command["discussion"]))
    if arguments:
        out.append(".SH OPTIONS")
        for argument in arguments:
            value = argument.get("valueName", "value")
            if argument["kind"] == "positional":
                head = f"\\fI<{escape(value)}>\\fR"
            else:
                names = ", ".join(f"\\fB{escape(n)}\\fR" for n in option_names(argument))
                head = names if argument["kind"] == "flag" else f"{names} \\fI<{escape(value)}>\\fR"
            if argument.get("isRepeating"):
                head += " ..."
            out.append(".TP")
            out.append(head)
            text = argument.get("abstract", "")
            if argument.get("defaultValue") not in (None, "") and argument["kind"] != "flag":
                text += f" (default: {argument['defaultValue']})"
            out.append(escape(text) if text else "\\&")
            if argument.get("discussion"):
                out.append(".IP")
                out.append(escape(argument["discussion"]))
    if children:
        out.append(".SH SUBCOMMANDS")
        for child in children:
            out.append(".TP")
            out.append(f"\\fB{escape(child['commandName'])}\\fR")
            out.append(escape(child.get("abstract", "")))
            out.append(f"See \\fB{escape(page_name(path + (child['commandName'],)))}\\fR(1).")
    out.append(".SH EXAMPLES")
    out.append("From the README:")
    for command_line, comment in examples:
        if comment:
            out.append(".PP")
            out.append(escape(comment[0].upper() + comment[1:] + ":"))
        out.append(".PP")
        out.append(".RS 4")
        out.append(".nf")
        out.append(escape(command_line))
        out.append(".fi")
        out.append(".RE")
    out.append(".SH EXIT STATUS")
    out.append("0 ok, 1 policy violations found, 2 usage or operational error"
               + (" (check: Nagios codes 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)." if path == ("check",) else "."))
    out.append(".SH FILES")
    out.append(".TP\n\\fI/etc/isotrace/policy.yaml\\fR\nThe site's policy (default for \\fB\\-\\-policy\\fR).")
    out.append(".TP\n\\fI/usr/share/isotrace/policies/\\fR\nThe bundled policies.")
    out.append(".TP\n\\fI/var/lib/isotrace/\\fR\nThe daemon's state directory: records/, keys/, the index.")
    out.append(".SH SEE ALSO")
    related = ["isotrace"] if path else []
    related += [page_name(path + (child["commandName"],)) for child in children]
    if len(path) > 1:
        related.append(page_name(path[:-1]))
    out.append(", ".join(f"\\fB{escape(name)}\\fR(1)" for name in related) or "The README of isotrace.")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--readme", required=True)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()

    dump = json.loads(subprocess.run([options.binary, "--experimental-dump-help"], check=True,
                                     capture_output=True, text=True).stdout)
    version = subprocess.run([options.binary, "--version"], check=True, capture_output=True,
                             text=True).stdout.split()[1]
    # The date of the sources, not of the build, so pages are reproducible.
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or subprocess.run(
        ["git", "log", "-1", "--format=%ct"], capture_output=True, text=True).stdout.strip() or "0"
    date = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%d")

    pages = []  # (path, command, children)

    def walk(command, path):
        children = [c for c in command.get("subcommands", [])
                    if c.get("shouldDisplay", True) and c["commandName"] != "help"]
        pages.append((path, command, children))
        for child in children:
            walk(child, path + (child["commandName"],))

    walk(dump["command"], ())
    paths = [path for path, _, _ in pages]
    examples = {path: [] for path in paths}
    for command_line, comment in readme_examples(options.readme):
        path = invoked_path(command_line, paths)
        if path is not None:
            examples[path].append((command_line, comment))

    os.makedirs(options.out, exist_ok=True)
    missing = []
    for path, command, children in pages:
        own = examples[path] or [e for p in paths if p[: len(path)] == path and p != path for e in examples[p]]
        if not path:
            own = [e for p in paths for e in examples[p]][:8]
        if not own:
            missing.append(" ".join(("isotrace",) + path))
            continue
        with open(os.path.join(options.out, page_name(path) + ".1"), "w", encoding="utf-8") as page:
            page.write(render(command, path, children, own, version, date))
    if missing:
        for name in missing:
            print(f"manpages: {options.readme} has no example of `{name}` (a ```sh line or a `$ ` line): "
                  "its man page would have no EXAMPLES section", file=sys.stderr)
        return 1
    print(f"manpages: {len(pages)} pages in {options.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
