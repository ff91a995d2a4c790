#!/usr/bin/env python3
"""Verify isotrace records without isotrace.

Usage: verify_records.py RECORDS_DIR PUBLIC_KEY_PEM   (e.g. /var/lib/isotrace/records /var/lib/isotrace/keys/isotrace.pub)

Checks, for every line of every segment (<UTC date>.jsonl, in name order): the Ed25519 signature
`sig` over the RFC 8785 canonical JSON of the record without `sig`, that `key_id` is the key's,
that `prev` is the SHA-256 of the previous line (64 zeros for the first) and that `seq` goes up
by one. A chain whose first record has seq > 1 (old segments removed by `isotrace prune`) must
contain a valid `checkpoint` record whose first_kept_seq and first_kept_prev name exactly that
first record. Each record's `time` must fall on its segment's UTC day (a record may continue a
later segment only after the clock went back; a segment never begins with an earlier day), so
segments renamed to older dates do not verify. A record's `chain_head` (heartbeats) must be the head
it continues: {"seq": seq - 1, "sha256": prev}. A missing or empty records directory proves
nothing: exit 2. Needs `pip install cryptography rfc8785`. Exit 0 intact, 1 tampered, 2 nothing to
verify.

The public key should be a copy kept off the node: the one beside the records could have been
replaced together with them.
"""
import base64
import hashlib
import json
import pathlib
import sys

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key


def strict_object(pairs):
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def main(records_dir, public_key_file):
    key = load_pem_public_key(pathlib.Path(public_key_file).read_bytes())
    key_id = hashlib.sha256(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()[:16]
    prev, seq, count, problems = "0" * 64, 0, 0, []
    start, starts = None, set()  # a pruned start (seq, prev, where); the starts checkpoints name
    if not pathlib.Path(records_dir).is_dir():
        print(f"error: {records_dir}: no records directory: nothing to verify", file=sys.stderr)
        return 2
    for segment in sorted(pathlib.Path(records_dir).glob("????-??-??.jsonl")):
        lines = segment.read_bytes().split(b"\n")
        if lines[-1]:
            problems.append(f"{segment}:{len(lines)}: truncated line (no newline)")
        for number, line in enumerate(lines[:-1], 1):
            count += 1
            where = f"{segment}:{number}"
            try:
                record = json.loads(line, object_pairs_hook=strict_object)
                signature = base64.b64decode(record.pop("sig"), validate=True)
                if record["key_id"] != key_id:
                    problems.append(f"{where}: unknown key {record['key_id']}")
                else:
                    key.verify(signature, rfc8785.dumps(record))
                    if "chain_head" in record and record["chain_head"] != {"seq": record["seq"] - 1, "sha256": record["prev"]}:
                        problems.append(f"{where}: chain_head is not the head this record continues (seq - 1 and its prev)")
                    if record.get("type") == "checkpoint":
                        checkpoint = record["checkpoint"]
                        starts.add((checkpoint["first_kept_seq"], checkpoint["first_kept_prev"]))
            except InvalidSignature:
                problems.append(f"{where}: bad signature")
            except Exception as error:  # malformed line: not JSON, missing keys, not canonicalizable
                problems.append(f"{where}: invalid record: {error!r}")
                record = {}
            time, day = record.get("time"), segment.name[:10]
            if isinstance(time, str) and time[:10] > day:
                problems.append(f"{where}: recorded at {time}, after its segment's day {day} (segment renamed or record moved)")
            elif isinstance(time, str) and time[:10] < day and number == 1:
                problems.append(f"{where}: recorded at {time} but begins the segment of {day} (segment renamed or record moved)")
            if count == 1 and isinstance(record.get("seq"), int) and record["seq"] > 1:
                start = (record["seq"], record.get("prev"), where)
                seq = record["seq"] - 1
            elif record.get("prev") != prev:
                problems.append(f"{where}: broken chain (prev is not the SHA-256 of the previous line)")
            if record.get("seq") != seq + 1:
                problems.append(f"{where}: seq {record.get('seq')} after {seq}")
            seq = record.get("seq") if isinstance(record.get("seq"), int) else seq + 1
            prev = hashlib.sha256(line).hexdigest()
    if count == 0:
        print(f"error: {records_dir}: no records: an empty chain proves nothing", file=sys.stderr)
        return 2
    if start and (start[0], start[1]) not in starts:
        problems.insert(0, f"{start[2]}: the chain starts at seq {start[0]} but no checkpoint record names this start")
    for problem in problems:
        print(problem)
    pruned = f", seq 1-{start[0] - 1} pruned" if start and not problems else ""
    print(f"{'TAMPERED' if problems else 'intact'}: {count} records, last seq {seq}, key_id {key_id}{pruned}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
