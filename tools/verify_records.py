#!/usr/bin/env python3
"""Verify isotrace records without isotrace.

Usage: verify_records.py RECORDS_DIR PUBLIC_KEY_PEM [--anchors FILE]
       (e.g. /var/lib/isotrace/records /var/lib/isotrace/keys/isotrace.pub)

PUBLIC_KEY_PEM is the node's root public key (isotrace keygen; the key a site registered), the only
key trusted from outside the records. Records are signed by epoch keys: each `key_rotation` record,
signed by the key of the epoch it ends (the root key for epoch 1, and for a re-key: isotrace keygen
--rekey-from, a key_rotation the root key signs at any point), names the next epoch's public key.
The verifier follows them in chain order and checks every record with its own epoch's key, learnt
from the records before it, never from the record itself; a record signed by any other key is
tampering. A chain without key_rotation records was signed with one key (not forward-secure) and
verifies with that key. Records of segments `isotrace prune` removed leave their key_rotation lines in
RECORDS_DIR/key_rotations.jsonl, checked the same way from the root key, so a pruned chain still
leads from the root key to the key of its first kept record.

Checks, for every line of every segment (<UTC date>.jsonl, in name order): the Ed25519 signature
`sig` over the RFC 8785 canonical JSON of the record without `sig`, that `key_id` is its epoch key's,
that `prev` is the SHA-256 of the previous line (64 zeros for the first) and that `seq` goes up
by one. A chain whose first record has seq > 1 (old segments removed by `isotrace prune`) must
contain a valid `checkpoint` record whose first_kept_seq and first_kept_prev name exactly that
first record. Each record's `time` must fall on its segment's UTC day (a record may continue a
later segment only after the clock went back; a segment never begins with an earlier day), so
segments renamed to older dates do not verify. A record's `chain_head` (heartbeats) must be the head
it continues: {"seq": seq - 1, "sha256": prev}. A missing or empty records directory proves
nothing: exit 2. Needs `pip install cryptography rfc8785`. Exit 0 intact, 1 tampered, 2 nothing to
verify.

--anchors FILE: chain heads kept off the node (the daemon's syslog msgid chain_head), one per line:
a JSON object ({"seq": N, "sha256": "<64 hex>"}, or the syslog body, which also names key_id and
hostname) or a whole syslog line whose message is that object. Blank lines are skipped; any other
line is an error naming FILE:LINE (exit 2). Each head of this chain must still be in it: the line
of that seq must hash to that sha256 (else: cut back or rewritten, exit 1). Heads naming another
hostname (or machine_id), or, without a hostname, a key_id no record of the chain has, are listed
as not applicable; a FILE with none for this chain exits 2.

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


def key_id_of(key):
    return hashlib.sha256(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()[:16]


def check(line, epochs, where, problems):
    """Checks one line with the current epoch's key (epochs[-1]) and follows the key_rotation it
    announces (appending to epochs); returns the record without sig ({} when unreadable)."""
    number, key, key_id = epochs[-1]
    try:
        record = json.loads(line, object_pairs_hook=strict_object)
        signature = base64.b64decode(record.pop("sig"), validate=True)
        if number > 0 and record.get("type") == "key_rotation" and record["key_id"] == epochs[0][2]:
            # A re-key (keygen --rekey-from): a key_rotation signed by the root key itself, the
            # one key trusted from outside the records, is accepted at any point of the chain.
            key, key_id = epochs[0][1], epochs[0][2]
        if record["key_id"] != key_id:
            known = [n for n, _, k in epochs if k == record["key_id"]]
            whose = f" (epoch {known[0]}'s key)" if known else ""
            problems.append(f"{where}: unknown key {record['key_id']}{whose}, not epoch {number}'s key {key_id}")
        else:
            key.verify(signature, rfc8785.dumps(record))
            if "chain_head" in record and record["chain_head"] != {"seq": record["seq"] - 1, "sha256": record["prev"]}:
                problems.append(f"{where}: chain_head is not the head this record continues (seq - 1 and its prev)")
    except InvalidSignature:
        problems.append(f"{where}: bad signature")
    except Exception as error:  # malformed line: not JSON, missing keys, not canonicalizable
        problems.append(f"{where}: invalid record: {error!r}")
        return {}
    if record.get("type") == "key_rotation":
        # Followed when well formed and next, even with a bad signature (reported above), so one
        # forged rotation is one problem; the key comes from this record only for later records.
        try:
            rotation = record["key_rotation"]
            new_key = load_pem_public_key(rotation["public_key"].encode())
            new_id = key_id_of(new_key)
            if sorted(rotation) != ["epoch", "key_id", "public_key"] or rotation["key_id"] != new_id:
                problems.append(f"{where}: malformed key_rotation")
            elif rotation["epoch"] != number + 1:
                problems.append(f"{where}: key_rotation to epoch {rotation['epoch']} after epoch {number}")
            elif any(k == new_id for _, _, k in epochs):
                problems.append(f"{where}: key_rotation names a key already used ({new_id})")
            else:
                epochs.append((number + 1, new_key, new_id))
        except Exception as error:
            problems.append(f"{where}: malformed key_rotation: {error!r}")
    return record


def rotation_log(records_dir, root, problems):
    """The key_rotation lines prune kept, checked in order from the root key: (seq, epochs after
    it, line hash) for each line."""
    path = pathlib.Path(records_dir) / "key_rotations.jsonl"
    if not path.exists():
        return []
    epochs, states, last = [root], [], 0
    lines = path.read_bytes().split(b"\n")
    if lines[-1]:
        problems.append(f"{path}:{len(lines)}: truncated line (no newline)")
    for number, line in enumerate(lines[:-1], 1):
        record = check(line, epochs, f"{path}:{number}", problems)
        if record.get("type") != "key_rotation":
            problems.append(f"{path}:{number}: not a key_rotation record")
        seq = record.get("seq")
        if isinstance(seq, int):
            if seq <= last:
                problems.append(f"{path}:{number}: seq {seq} after seq {last}: out of chain order")
            last = max(last, seq)
            states.append((seq, list(epochs), hashlib.sha256(line).hexdigest()))
    return states


def read_anchors(path):
    """The heads in an anchors file as (seq, sha256, key_id, hostname, "FILE:LINE"); exit 2 on a bad line."""
    anchors = []
    for number, raw in enumerate(pathlib.Path(path).read_bytes().split(b"\n"), 1):
        text = raw.strip(b" \t\r")
        if not text:
            continue
        where = f"{path}:{number}"
        # a JSON object, or a syslog header ending in a space and then one (from the first "{")
        start = 0 if text.startswith(b"{") else text.find(b"{")
        try:
            if start < 0 or start > 0 and text[start - 1:start] != b" ":
                raise ValueError("neither a JSON object nor a syslog line whose message is one")
            head = json.loads(text[start:], object_pairs_hook=strict_object)
            if not isinstance(head, dict):
                raise ValueError("not a JSON object")
            if head.get("event", "chain_head") != "chain_head":
                raise ValueError(f"a message of event {head['event']!r} (keep only msgid chain_head)")
            seq, sha256 = head.get("seq"), head.get("sha256")
            if type(seq) is not int or seq < 0 or not isinstance(sha256, str) or len(sha256) != 64 \
                    or any(c not in "0123456789abcdef" for c in sha256):
                raise ValueError('needs {"seq": integer >= 0, "sha256": 64 lowercase hex digits}')
            for name in ("key_id", "hostname", "machine_id"):
                if head.get(name) is not None and not isinstance(head[name], str):
                    raise ValueError(f"{name} is not a string")
        except ValueError as error:
            print(f"error: {where}: not a chain head: {error}", file=sys.stderr)
            sys.exit(2)
        anchors.append((seq, sha256, head.get("key_id"), (head.get("hostname"), head.get("machine_id")), where))
    if not anchors:
        print(f"error: {path}: no chain head in it: nothing to check the chain against", file=sys.stderr)
        sys.exit(2)
    return anchors


def check_anchors(anchors, lines, hostnames, key_id, last, pruned_through):
    """Problems for the anchored heads the chain no longer holds; prints those of other chains.
    A head naming its host is this chain's when the host (and machine id) is; keys change along a
    chain, so only a head without a host is matched by its key."""
    problems, applicable, held = [], 0, 0
    hosts, machines, keys = hostnames
    for seq, sha256, anchor_key, (host, machine), where in anchors:
        head = f"{where}: anchored head seq {seq} sha256 {sha256}"
        if host is not None and host not in hosts:
            print(f"{head}: not applicable: hostname {host} is not this chain's ({', '.join(sorted(hosts))})")
            continue
        if host is not None and machine is not None and machines and machine not in machines:
            print(f"{head}: not applicable: machine_id {machine} is not this chain's ({', '.join(sorted(machines))})")
            continue
        if host is None and anchor_key is not None and anchor_key != key_id and anchor_key not in keys:
            print(f"{head}: not applicable: key_id {anchor_key} is not this chain's ({key_id})")
            continue
        applicable += 1
        if seq == 0 and sha256 == "0" * 64 or seq in lines and lines[seq][0] == sha256:
            held += 1
        elif seq in lines:
            problems.append(f"{head}: the chain's seq {seq} ({lines[seq][1]}) hashes to {lines[seq][0]} instead: rewritten after this head left the node")
        elif pruned_through and seq <= pruned_through:
            print(f"{head}: not checkable, pruned (the chain starts at seq {pruned_through + 1}, after a checkpoint)")
        elif last[0] < seq:
            problems.append(f"{head}: the chain ends at seq {last[0]} ({last[1]}): cut back past this head")
        else:
            problems.append(f"{head}: the chain has no seq {seq} (it runs to seq {last[0]}): removed after this head left the node")
    return problems, applicable, held


def problems_for(where, problems):
    return any(problem.startswith(where + ":") for problem in problems)


def main(records_dir, public_key_file, anchors_file=None):
    anchors = read_anchors(anchors_file) if anchors_file else []
    wanted, heads_found, hostnames, last = {anchor[0] for anchor in anchors}, {}, (set(), set(), set()), (0, "no record")
    root_key = load_pem_public_key(pathlib.Path(public_key_file).read_bytes())
    key_id = key_id_of(root_key)
    epochs = [(0, root_key, key_id)]
    prev, seq, count, problems = "0" * 64, 0, 0, []
    start, starts = None, set()  # a pruned start (seq, prev, where); the starts checkpoints name
    if not pathlib.Path(records_dir).is_dir():
        print(f"error: {records_dir}: no records directory: nothing to verify", file=sys.stderr)
        return 2
    logged = rotation_log(records_dir, epochs[0], problems)
    logged_hashes = {s: h for s, _, h in logged}
    for segment in sorted(pathlib.Path(records_dir).glob("????-??-??.jsonl")):
        lines = segment.read_bytes().split(b"\n")
        if lines[-1]:
            problems.append(f"{segment}:{len(lines)}: truncated line (no newline)")
        for number, line in enumerate(lines[:-1], 1):
            count += 1
            where = f"{segment}:{number}"
            if count == 1:
                try:
                    first = json.loads(line).get("seq")
                except Exception:
                    first = None
                before = [e for s, e, _ in logged if isinstance(first, int) and s < first]
                if before:
                    epochs = list(before[-1])  # a pruned chain: the keys up to its first record
            record = check(line, epochs, where, problems)
            if record.get("type") == "checkpoint" and not problems_for(where, problems):
                checkpoint = record["checkpoint"]
                starts.add((checkpoint["first_kept_seq"], checkpoint["first_kept_prev"]))
            if record.get("seq") in logged_hashes and logged_hashes[record.get("seq")] != hashlib.sha256(line).hexdigest():
                problems.append(f"{where}: the rotation log's line for seq {record.get('seq')} is not this line")
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
            if anchors:
                if seq in wanted:
                    heads_found.setdefault(seq, (prev, where))
                last = (seq, where)
                node = record.get("node") if isinstance(record.get("node"), dict) else {}
                if isinstance(node.get("hostname"), str):
                    hostnames[0].add(node["hostname"])
                if isinstance(node.get("machine_id"), str):
                    hostnames[1].add(node["machine_id"])
                if isinstance(record.get("key_id"), str):
                    hostnames[2].add(record["key_id"])
    if count == 0:
        print(f"error: {records_dir}: no records: an empty chain proves nothing", file=sys.stderr)
        return 2
    if start and (start[0], start[1]) not in starts:
        problems.insert(0, f"{start[2]}: the chain starts at seq {start[0]} but no checkpoint record names this start")
    anchored = ""
    if anchors:
        pruned_through = start[0] - 1 if start and (start[0], start[1]) in starts else None
        anchor_problems, applicable, held = check_anchors(anchors, heads_found, hostnames, key_id, last, pruned_through)
        if not applicable and not problems:
            print(f"error: {anchors_file}: none of its {len(anchors)} chain head(s) is this chain's (key_id {key_id}): nothing was checked", file=sys.stderr)
            return 2
        problems += anchor_problems
        anchored = f", anchors {anchors_file}: {held} held, {len(anchor_problems)} no longer in the chain, {len(anchors) - applicable} not applicable"
    for problem in problems:
        print(problem)
    pruned = f", seq 1-{start[0] - 1} pruned" if start and not problems else ""
    keys = f", epoch keys to epoch {epochs[-1][0]}" if epochs[-1][0] > 0 else ", single key (not forward-secure)"
    print(f"{'TAMPERED' if problems else 'intact'}: {count} records, last seq {seq}, key_id {key_id}{pruned}{anchored}{keys}")
    return 1 if problems else 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    anchors_file = None
    if len(arguments) == 4 and arguments[2] == "--anchors":
        anchors_file = arguments.pop(3)
        arguments.pop(2)
    if len(arguments) != 2:
        sys.exit(__doc__)
    sys.exit(main(arguments[0], arguments[1], anchors_file))
