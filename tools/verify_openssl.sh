#!/bin/sh
# Checks the signature of every record of one segment with openssl alone, from the node's root
# public key, following the key_rotation records: each line is checked with the key the
# key_rotation before it named (the root key until the first), never with a key the line itself
# names; a key_rotation may also be signed by the root key itself (a re-key). Signatures only: the hash chain (prev, seq), the epoch numbers and the record's keys are
# tools/verify_records.py's part. A line is canonical JSON (RFC 8785) whose keys other than "sig"
# keep their order when "sig" is cut out, so the signed message is the line without ',"sig":"..."'.
#
# Usage: tools/verify_openssl.sh SEGMENT ROOT_PUBLIC_KEY_PEM     (exit 0: every signature good)
set -eu
segment=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$2" "$work/key.pem"
line_no=0 bad=0
while IFS= read -r line; do
    line_no=$((line_no + 1))
    printf '%s' "$line" | sed 's/,"sig":"[^"]*"//' > "$work/message"
    printf '%s' "$line" | sed 's/.*,"sig":"\([^"]*\)".*/\1/' | base64 -d > "$work/sig"
    if ! openssl pkeyutl -verify -pubin -inkey "$work/key.pem" -rawin -in "$work/message" -sigfile "$work/sig" > /dev/null 2>&1; then
        # A re-key (keygen --rekey-from): a key_rotation the root key itself signed.
        case $line in
            *'"type":"key_rotation"'*) openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$work/message" -sigfile "$work/sig" > /dev/null 2>&1 \
                && echo "$segment:$line_no: key_rotation signed by the root key (a re-key)" ;;
            *) false ;;
        esac || { echo "$segment:$line_no: bad signature: not signed by the key of its epoch"; bad=1; }
    fi
    case $line in
        *'"type":"key_rotation"'*)  # from the next line on: the key this rotation names
            printf '%s' "$line" | sed 's/.*"public_key":"\([^"]*\)".*/\1/' | sed 's/\\n/\n/g' > "$work/key.pem" ;;
    esac
done < "$segment"
[ "$bad" = 0 ] && echo "signatures good: $line_no line(s) of $segment"
exit "$bad"
