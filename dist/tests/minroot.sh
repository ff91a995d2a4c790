#!/bin/sh
# The release binary on a bare userland: a minimal Debian 12 root made once with debootstrap
# (minbase plus the runtime libraries of dist/el9-baseline.txt, no Swift, no -dev package, no
# libbpf), cached as CACHE/debian12-base-<hash of that list>.tar. In a fresh copy of it, chrooted with /proc and
# /dev bound (in a private mount namespace, so nothing stays mounted), the binary runs --version,
# snapshot and audit --format json on the live /proc and on a fixture tree, keygen, audit
# --record, verify and query; the .deb is installed (its isotrace user made), its daemon run as
# that user, used and removed with dpkg; and, when
# bubblewrap and python3 could be fetched into the cache too, `simulate isolated` with its audit.
# Skips, saying why, when not root or when the mirror cannot be reached and nothing is cached.
# Usage: minroot.sh DIST DEB CACHE
set -eu
dist=$(cd "$1" && pwd) deb=$(cd "$(dirname "$2")" && pwd)/$(basename "$2") cache=$3
mkdir -p "$cache" && cache=$(cd "$cache" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../../Tests/ProcFSTests/Fixtures/pilot3-generic/proc

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP minroot: needs root (debootstrap, chroot, mounts)"; exit 0
fi
if [ -z "${ISOTRACE_MINROOT_PRIVATE:-}" ]; then
  ISOTRACE_MINROOT_PRIVATE=1 exec unshare -m --propagation private sh "$0" "$@"
fi

runtime_packages=libc6,libgcc-s1,libseccomp2,libsqlite3-0,libelf1,zlib1g,libssl3
# The cached root is named after the package list, so a root made for another list is not reused.
base=$cache/debian12-base-$(printf %s "$runtime_packages" | sha256sum | cut -c1-12).tar
extras=$cache/debian12-simulate-debs
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

work=$(mktemp -d /tmp/isotrace-minroot.XXXXXX)
root=$work/root
cleanup() {
  for mountpoint in "$root/dev" "$root/proc" "$root"; do
    mountpoint -q "$mountpoint" 2>/dev/null && umount -l "$mountpoint"
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ ! -f "$base" ]; then
  echo "minroot: making the Debian 12 root once with debootstrap from $mirror (cached in $base)"
  if ! debootstrap --variant=minbase --include=$runtime_packages bookworm "$work/build" "$mirror" > "$work/debootstrap.log" 2>&1; then
    echo "SKIP minroot: debootstrap bookworm from $mirror failed (mirror unreachable?); last lines:"
    tail -3 "$work/debootstrap.log"
    exit 0
  fi
  # The .debs of bubblewrap and python3 for `simulate`, fetched now and kept beside the tarball,
  # so later runs need no network. Without them the simulate step says why it skips.
  mkdir -p "$work/build/proc" && mount --bind /proc "$work/build/proc"
  chroot "$work/build" apt-get clean
  if chroot "$work/build" apt-get -qq update > "$work/apt.log" 2>&1 \
     && chroot "$work/build" apt-get -qq -y --no-install-recommends --download-only install bubblewrap python3 >> "$work/apt.log" 2>&1; then
    rm -rf "$extras.tmp" && mkdir -p "$extras.tmp" && mv "$work/build"/var/cache/apt/archives/*.deb "$extras.tmp/" && rm -rf "$extras" && mv "$extras.tmp" "$extras"
  else
    echo "minroot: could not fetch bubblewrap and python3 into the cache: $(tail -1 "$work/apt.log")"
  fi
  umount "$work/build/proc"
  chroot "$work/build" apt-get clean
  rm -rf "$work/build"/var/lib/apt/lists/*
  # minbase has libstdc++ only for apt; without both, the root proves the binary needs neither.
  chroot "$work/build" dpkg --purge --force-depends apt libapt-pkg6.0 libstdc++6 > "$work/purge.log" 2>&1 \
    || { echo "FAIL minroot: could not remove apt and libstdc++6 from the root: $(tail -2 "$work/purge.log")"; exit 1; }
  tar -C "$work/build" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf "$work/build"
fi

fail=0
say_fail() { echo "FAIL minroot: $*"; fail=1; }
fresh_root() {
  for mountpoint in "$root/dev" "$root/proc" "$root"; do
    mountpoint -q "$mountpoint" 2>/dev/null && umount -l "$mountpoint"
  done
  rm -rf "$root" && mkdir -p "$root" && tar -C "$root" -xf "$base"
  # The root a mount point of its own: bubblewrap's pivot_root needs one inside a chroot.
  mount --bind "$root" "$root"
  mount --bind /proc "$root/proc"
  mount --rbind /dev "$root/dev"
}
in_root() { chroot "$root" "$@"; }
# run_ok "what" EXPECTED-CODES COMMAND...: runs in the root; stdout to $work/out, stderr to $work/err.
run_ok() {
  what=$1 codes=$2; shift 2
  set +e; in_root "$@" > "$work/out" 2> "$work/err"; code=$?; set -e
  case " $codes " in *" $code "*) return 0 ;; esac
  say_fail "$what: '$*' exited $code (expected $codes): $(tail -3 "$work/err")"
  return 1
}
json_ok() {  # the last output is JSON (checked by the host's python3)
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/out" 2>/dev/null || say_fail "$1: not JSON: $(head -c 200 "$work/out")"
}

fresh_root
# The root holds no Swift, no libbpf and no -dev package: what runs here runs on a bare node.
for forbidden in 'libswift*' 'libFoundation*' 'libbpf.so*' 'libstdc++.so*'; do
  found=$(find "$root/usr/lib" "$root/usr/local" -name "$forbidden" 2>/dev/null | head -1)
  [ -z "$found" ] || say_fail "the minimal root holds ${found#$root}"
done
dev_packages=$(in_root dpkg-query -W -f '${Package}\n' | grep -- '-dev$' || true)
[ -z "$dev_packages" ] || say_fail "the minimal root has -dev packages: $dev_packages"

install -m 0755 "$dist/isotrace" "$root/usr/local/bin/isotrace"
mkdir -p "$root/usr/local/share/isotrace/policies" "$root/fixture"
cp "$here"/../../policies/*.yaml "$root/usr/local/share/isotrace/policies/"
cp -a "$fixtures" "$root/fixture/proc"

run_ok "--version" 0 isotrace --version && { grep -q '^isotrace ' "$work/out" || say_fail "--version printed: $(cat "$work/out")"; }
run_ok "snapshot (live /proc)" 0 isotrace snapshot --format json && json_ok "snapshot (live /proc)"
run_ok "snapshot (fixture)" 0 isotrace snapshot --format json --proc-root /fixture/proc && json_ok "snapshot (fixture)"
run_ok "audit --format json (live /proc)" "0 1" isotrace audit --format json && json_ok "audit (live /proc)"
run_ok "audit --format json (fixture)" "0 1" isotrace audit --format json --proc-root /fixture/proc && json_ok "audit (fixture)"
panda_id=$(python3 -c '
import json, sys
print(next((str(job["panda_id"]) for job in json.load(open(sys.argv[1]))["jobs"] if job.get("panda_id")), ""))' "$work/out" 2>/dev/null || true)
[ -n "$panda_id" ] || say_fail "audit (fixture): no PanDA ID in its JSON"
run_ok "keygen" 0 isotrace keygen --out /var/lib/isotrace || :
[ -f "$root/var/lib/isotrace/keys/isotrace.pub" ] && [ -f "$root/var/lib/isotrace/keys/epoch-1.key" ] || say_fail "keygen made no key"
run_ok "audit --record" "0 1" isotrace audit --record --out /var/lib/isotrace --proc-root /fixture/proc || :
run_ok "audit --record (second)" "0 1" isotrace audit --record --out /var/lib/isotrace --proc-root /fixture/proc || :
ls "$root"/var/lib/isotrace/records/*.jsonl > /dev/null 2>&1 || say_fail "audit --record wrote no segment"
run_ok "verify" 0 isotrace verify --out /var/lib/isotrace || :
if [ -n "$panda_id" ]; then
  run_ok "query --panda-id $panda_id" "0" isotrace query --out /var/lib/isotrace --panda-id "$panda_id" \
    && { grep -q "$panda_id" "$work/out" || say_fail "query --panda-id $panda_id does not name the job: $(head -c 300 "$work/out")"; }
fi
# The index query and verify built on the same records, with the index the query made.
run_ok "verify (after query)" 0 isotrace verify --out /var/lib/isotrace || :

# The .deb: installed with dpkg (its Depends met by the runtime libraries alone), used, removed.
cp "$deb" "$root/tmp/isotrace.deb"
run_ok "dpkg -i isotrace.deb" 0 dpkg -i /tmp/isotrace.deb || :
run_ok "the packaged binary" 0 /usr/bin/isotrace --version || :
[ -f "$root/usr/share/man/man1/isotrace-query.1.gz" ] || say_fail "the .deb installed no man page"
[ -f "$root/usr/share/bash-completion/completions/isotrace" ] || say_fail "the .deb installed no bash completion"
[ "$(stat -c %a "$root/var/lib/isotrace")" = 750 ] || say_fail "/var/lib/isotrace is $(stat -c %a "$root/var/lib/isotrace") after dpkg -i, expected 750"
# The daemon's system user: made by the postinst, owning the state directory (the records and key
# root made above included); the daemon becomes it after start-up, root's verify still trusts it.
grep -q '^isotrace:' "$root/etc/passwd" || say_fail "dpkg -i made no isotrace user"
user_id=$(awk -F: '$1 == "isotrace" { print $3 }' "$root/etc/passwd")
owners=$(find "$root/var/lib/isotrace" ! -uid "${user_id:-0}" | head -3)
[ -z "$owners" ] || say_fail "after dpkg -i, not owned by isotrace: $owners"
set +e
in_root timeout -s TERM 5 /usr/bin/isotrace daemon --interval 1s --out /var/lib/isotrace --heartbeat-every 1 --user isotrace \
  > "$work/daemon.out" 2> "$work/daemon.err"
set -e
grep -q 'confinement verified: user isotrace' "$work/daemon.err" || say_fail "the packaged daemon did not become the isotrace user: $(tail -3 "$work/daemon.err")"
grep -q 'stopped after' "$work/daemon.err" || say_fail "the packaged daemon did not stop cleanly on SIGTERM: $(tail -3 "$work/daemon.err")"
run_ok "verify (daemon records, as root)" 0 isotrace verify --out /var/lib/isotrace || :
run_ok "policy lint of the installed policy" 0 /usr/bin/isotrace policy lint /etc/isotrace/policy.yaml || :
run_ok "audit with the installed policy" "0 1" /usr/bin/isotrace audit --format json --proc-root /fixture/proc && json_ok "audit (packaged)"
run_ok "dpkg -r isotrace" 0 dpkg -r isotrace || :
[ -e "$root/usr/bin/isotrace" ] && say_fail "dpkg -r left /usr/bin/isotrace"
[ -f "$root/etc/isotrace/policy.yaml" ] || say_fail "dpkg -r removed the conffile (only --purge should)"
ls "$root"/var/lib/isotrace/records/*.jsonl > /dev/null 2>&1 || say_fail "dpkg -r removed the records"
run_ok "dpkg --purge isotrace" 0 dpkg --purge isotrace || :
[ -e "$root/etc/isotrace/policy.yaml" ] && say_fail "dpkg --purge left /etc/isotrace/policy.yaml"
[ -f "$root/var/lib/isotrace/keys/isotrace.pub" ] || say_fail "dpkg --purge removed the key"
ls "$root"/var/lib/isotrace/records/*.jsonl > /dev/null 2>&1 || say_fail "dpkg --purge removed the records"
run_ok "verify after removal" 0 isotrace verify --out /var/lib/isotrace || :

# simulate isolated, with its audit: needs bubblewrap and python3 in the root.
simulated=no
if [ -d "$extras" ] && ls "$extras"/*.deb > /dev/null 2>&1; then
  cp "$extras"/*.deb "$root/tmp/"
  # Twice: dpkg -i does not order pre-dependencies (python3 pre-depends on python3.11-minimal).
  in_root sh -c 'dpkg -i /tmp/*.deb || dpkg -i /tmp/*.deb' > "$work/dpkg.log" 2>&1 || true
  if [ -x "$root/usr/bin/bwrap" ] && [ -x "$root/usr/bin/python3" ]; then
    in_root isotrace simulate isolated --hold 120 > "$work/simulate.out" 2> "$work/simulate.err" &
    simulator=$!
    waited=0
    until grep -q '^ready' "$work/simulate.out" 2>/dev/null || ! kill -0 $simulator 2>/dev/null || [ $waited -ge 60 ]; do
      sleep 1; waited=$((waited + 1))
    done
    if grep -q '^ready' "$work/simulate.out"; then
      run_ok "audit of simulate isolated" "0 1" isotrace audit --format json && json_ok "audit of simulate isolated"
      grep -q 9100000001 "$work/out" || say_fail "the audit does not see the simulated job 9100000001"
      python3 - "$work/out" <<'EOF' || say_fail "simulate isolated: the job is not isolated in the audit"
import json, sys
jobs = [job for job in json.load(open(sys.argv[1]))["jobs"] if str(job.get("panda_id")) == "9100000001"]
sys.exit(0 if jobs and all(job.get("isolated") is True for job in jobs) else 1)
EOF
      simulated=yes
    else
      say_fail "simulate isolated never became ready: $(tail -3 "$work/simulate.err")"
    fi
    kill -TERM $simulator 2>/dev/null || true
    wait $simulator 2>/dev/null || true
  else
    echo "SKIP minroot simulate: bubblewrap/python3 did not install in the root: $(tail -1 "$work/dpkg.log")"
  fi
else
  echo "SKIP minroot simulate: bubblewrap and python3 could not be fetched into $extras when the root was made"
fi

[ $fail -eq 0 ] || exit 1
echo "minroot: the release binary ran in a minimal Debian 12 root (version, snapshot, audit live and fixture, keygen, record, verify, query); the .deb installed, ran and was removed; simulate isolated: $simulated"
