#!/bin/sh
# isotrace .deb for Debian and Ubuntu nodes (`make deb`), with dpkg-deb from what `make release`
# left in DIST: the same files as the RPM (dist/isotrace.spec), in Debian's places, and
# isotrace-dbgsym with the debug file under /usr/lib/debug/.build-id.
# Usage: build-deb.sh DIST SRCROOT VERSION OUTDIR
set -eu
dist=$1 srcroot=$2 version=$3 outdir=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/isotrace
mkdir -p "$root/DEBIAN"

install -D -m 0755 "$dist/isotrace" "$root/usr/bin/isotrace"
install -d -m 0755 "$root/usr/share/isotrace/policies"
install -m 0644 "$srcroot"/policies/*.yaml "$root/usr/share/isotrace/policies/"
install -D -m 0644 "$srcroot/policies/wlcg-mupj.yaml" "$root/etc/isotrace/policy.yaml"
install -d -m 0755 "$root/lib/systemd/system"
for unit in isotrace.service isotrace-prune.service isotrace-prune.timer; do
  sed -e 's|/usr/local/bin/isotrace|/usr/bin/isotrace|g' "$srcroot/dist/$unit" > "$root/lib/systemd/system/$unit"
  chmod 0644 "$root/lib/systemd/system/$unit"
done
install -d -m 0750 "$root/var/lib/isotrace"
install -D -m 0644 "$srcroot/dist/isotrace.sysusers" "$root/usr/lib/sysusers.d/isotrace.conf"
install -d -m 0755 "$root/usr/share/man/man1"
for page in "$dist"/man/*.1; do
  gzip -9 -n -c "$page" > "$root/usr/share/man/man1/$(basename "$page").gz"
done
install -D -m 0644 "$dist/completions/isotrace.bash" "$root/usr/share/bash-completion/completions/isotrace"
install -D -m 0644 "$dist/completions/_isotrace" "$root/usr/share/zsh/vendor-completions/_isotrace"
install -D -m 0644 "$dist/completions/isotrace.fish" "$root/usr/share/fish/vendor_completions.d/isotrace.fish"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<EOF
Package: isotrace
Version: $version-1
Architecture: amd64
Maintainer: isotrace developers <isotrace@localhost>
Installed-Size: $size
Depends: libc6 (>= 2.34), libgcc-s1, libseccomp2, libsqlite3-0, libelf1, zlib1g, libssl3, passwd
Section: admin
Priority: optional
Description: audit grid worker nodes: pilot/payload isolation and traceability records
 isotrace samples /proc on a WLCG worker node, tells PanDA pilots from their payloads, checks
 every job against the isolation and traceability policy and, as a daemon (isotrace.service),
 writes signed, hash-chained records linking PIDs to PanDA IDs under /var/lib/isotrace. The
 signing key is made there on the unit's first start; it is never part of this package.
EOF
echo /etc/isotrace/policy.yaml > "$root/DEBIAN/conffiles"

# Unit handling as debhelper's dh_installsystemd writes it, reduced to what isotrace needs: enable
# on install, stop before removal, restart after upgrade; nothing without systemd running. The
# records and keys in /var/lib/isotrace stay on remove and on purge: they are evidence.
cat > "$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  # The daemon's system user (dist/isotrace.sysusers); it owns the state directory, including
  # records and keys of a version that ran the daemon as root.
  getent group isotrace >/dev/null || groupadd --system isotrace
  getent passwd isotrace >/dev/null || useradd --system --gid isotrace --home-dir /var/lib/isotrace --no-create-home \
    --shell /usr/sbin/nologin --comment "isotrace node auditor" isotrace
  chown -R isotrace:isotrace /var/lib/isotrace
  chmod 0750 /var/lib/isotrace
  if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
    if [ -z "$2" ]; then
      systemctl enable isotrace.service isotrace-prune.timer >/dev/null || true
    else
      systemctl try-restart isotrace.service >/dev/null || true
    fi
  fi
fi
EOF
cat > "$root/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl disable --now isotrace.service isotrace-prune.timer >/dev/null || true
fi
EOF
cat > "$root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null || true
fi
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
mkdir -p "$outdir"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$outdir/isotrace_${version}-1_amd64.deb" >/dev/null

# The debug file, where gdb looks for it by build-id.
dbg=$work/dbgsym
build_id=$(readelf -n "$dist/isotrace" | sed -n 's/^ *Build ID: *//p')
head=$(echo "$build_id" | cut -c1-2) rest=$(echo "$build_id" | cut -c3-)
install -D -m 0644 "$dist/isotrace.debug" "$dbg/usr/lib/debug/.build-id/$head/$rest.debug"
mkdir -p "$dbg/DEBIAN"
cat > "$dbg/DEBIAN/control" <<EOF
Package: isotrace-dbgsym
Version: $version-1
Architecture: amd64
Maintainer: isotrace developers <isotrace@localhost>
Depends: isotrace (= $version-1)
Section: debug
Priority: optional
Description: debug symbols for isotrace
 The debug information of /usr/bin/isotrace, found by its build-id.
EOF
dpkg-deb --root-owner-group -Zgzip --build "$dbg" "$outdir/isotrace-dbgsym_${version}-1_amd64.deb" >/dev/null
echo "$outdir/isotrace_${version}-1_amd64.deb $outdir/isotrace-dbgsym_${version}-1_amd64.deb"
