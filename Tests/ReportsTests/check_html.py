#!/usr/bin/env python3
"""Strict checks of an isotrace HTML report and of its screenshot, for the report tests.

  check_html.py html FILE   parse FILE with expat (a strict XML parser: an unescaped < or &,
                            an unclosed or misnested tag, an undefined entity or a control
                            character is an error) and print JSON: element and attribute names,
                            every link or source that leaves the page, and the body's text content.
  check_html.py png FILE    read a PNG (8-bit RGB/RGBA, no interlace, as Chromium writes) and
                            print JSON: width, height, and how many pixels have the report's
                            "isolated" green (#1f7a3a) and "not isolated" red (#b42318).
Exit 1 with the parser's message (line, column) when the file is not well-formed.
"""
import json
import struct
import sys
import zlib
import xml.etree.ElementTree as ElementTree


def check_html(path):
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        print(f"{path}: not well-formed: {error}", file=sys.stderr)
        sys.exit(1)
    elements, attributes, external = set(), set(), []
    for element in root.iter():
        elements.add(element.tag.split("}")[-1])
        for name, value in element.attrib.items():
            name = name.split("}")[-1]
            attributes.add(name)
            if name in ("href", "src", "action", "formaction", "srcset", "data", "poster") and not value.startswith("#"):
                external.append(value)
    print(json.dumps({
        "elements": sorted(elements),
        "attributes": sorted(attributes),
        "external": external,
        "text": "".join(next(e for e in root.iter() if e.tag.split("}")[-1] == "body").itertext()),
    }))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def check_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        print(f"{path}: not a PNG", file=sys.stderr)
        sys.exit(1)
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace != 0:
        print(json.dumps({"width": width, "height": height, "colour_type": colour, "ok_pixels": None, "bad_pixels": None}))
        return
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    counts = {"ok": 0, "bad": 0}
    targets = {"ok": (0x1F, 0x7A, 0x3A), "bad": (0xB4, 0x23, 0x18)}
    offset = 0
    for _ in range(height):
        kind = raw[offset]
        line = bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + paeth(left, up, corner)) & 0xFF
        for x in range(0, stride, channels):
            pixel = (line[x], line[x + 1], line[x + 2])
            for name, target in targets.items():
                if all(abs(pixel[k] - target[k]) <= 6 for k in range(3)):
                    counts[name] += 1
        previous = line
    print(json.dumps({"width": width, "height": height, "colour_type": colour,
                      "ok_pixels": counts["ok"], "bad_pixels": counts["bad"]}))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("html", "png"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    (check_html if sys.argv[1] == "html" else check_png)(sys.argv[2])
