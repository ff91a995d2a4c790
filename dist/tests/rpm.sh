#!/bin/sh
# The RPM of `make rpm`: its file list (rpm -qpl) with modes and owners, its requirements (-qpR:
# EL9 package names only), its scriptlets (--scripts: the isotrace user, the units), then `rpm --root TMP -i --nodeps` and
# `rpm -e`: the right files with the right modes and owners, the config file kept as .rpmsave
# when edited, the records and keys in /var/lib/isotrace left alone.
# The install runs in a copy of the minimal Debian root (dist/tests/minroot.sh builds it) when
# there is one, so the scriptlets run with a /bin/sh; otherwise in an empty root with --noscripts.
# Usage: rpm.sh RPM DEBUGINFO-RPM MINROOT-CACHE
set -eu
rpm_file=$1 debuginfo=$2 cache=$3
fail=0
say_fail() { echo "FAIL: $*"; fail=1; }

[ -f "$rpm_file" ] || { echo "FAIL: no $rpm_file (make rpm)"; exit 1; }
case $(basename "$rpm_file") in
  isotrace-*-1.el9.x86_64.rpm) ;;
  *) say_fail "$rpm_file is not named isotrace-VERSION-1.el9.x86_64.rpm" ;;
esac

# The file list, each with mode, owner and group (--dump: path size mtime digest mode owner group ...).
listing=$(rpm -qp --dump "$rpm_file" | awk '{ printf "%s %s %s %s\n", $1, substr($5, length($5) - 3), $6, $7 }')
check_entry() {  # path mode owner
  line=$(echo "$listing" | awk -v p="$1" '$1 == p')
  [ -n "$line" ] || { say_fail "rpm -qpl: $1 is not in the package"; return; }
  [ "$line" = "$1 $2 $3 $3" ] || say_fail "rpm --dump: $1 is '$line', expected mode $2 owner $3"
}
check_entry /usr/bin/isotrace 0755 root
check_entry /usr/share/isotrace/policies/wlcg-mupj.yaml 0644 root
check_entry /etc/isotrace/policy.yaml 0644 root
check_entry /usr/lib/systemd/system/isotrace.service 0644 root
check_entry /usr/lib/systemd/system/isotrace-prune.service 0644 root
check_entry /usr/lib/systemd/system/isotrace-prune.timer 0644 root
check_entry /var/lib/isotrace 0750 isotrace
check_entry /usr/lib/sysusers.d/isotrace.conf 0644 root
check_entry /usr/share/man/man1/isotrace.1.gz 0644 root
check_entry /usr/share/man/man1/isotrace-query.1.gz 0644 root
check_entry /usr/share/bash-completion/completions/isotrace 0644 root
check_entry /usr/share/zsh/site-functions/_isotrace 0644 root
check_entry /usr/share/fish/vendor_completions.d/isotrace.fish 0644 root
echo "$listing" | grep -q '^/var/lib/isotrace/' && say_fail "the package ships files in /var/lib/isotrace (a key?): $(echo "$listing" | grep '^/var/lib/isotrace/')"
echo "$listing" | grep -q '\.debug ' && say_fail "the main package carries debug files"
rpm -qp --configfiles "$rpm_file" | grep -qx /etc/isotrace/policy.yaml || say_fail "/etc/isotrace/policy.yaml is not %config"
rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm_file" | grep -q '^cn /etc/isotrace/policy.yaml$' \
  || say_fail "/etc/isotrace/policy.yaml is not %config(noreplace): $(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm_file" | grep policy.yaml)"
rpm -qpl "$debuginfo" | grep -qx /usr/lib/debug/usr/bin/isotrace.debug || say_fail "$debuginfo has no /usr/lib/debug/usr/bin/isotrace.debug"
rpm -qpl "$debuginfo" | grep -q '^/usr/lib/debug/.build-id/../.*\.debug$' || say_fail "$debuginfo has no build-id link"

# Requirements: EL9 package names (and rpm's own rpmlib() features), nothing Debian's.
requires=$(rpm -qpR "$rpm_file" | grep -v '^rpmlib(' | sort -u | tr '\n' ';')
expected='/bin/sh;elfutils-libelf;glibc >= 2.34;libgcc;libseccomp;openssl-libs;shadow-utils;sqlite-libs;systemd;zlib;'
[ "$requires" = "$expected" ] || say_fail "rpm -qpR: '$requires', expected '$expected'"

# Scriptlets: the systemd unit handling of EL9's macros, on install, removal and upgrade.
scripts=$(rpm -qp --scripts "$rpm_file")
for part in 'preinstall scriptlet' 'useradd -r -g isotrace -d /var/lib/isotrace' 'chown -R isotrace:isotrace /var/lib/isotrace' \
            'postinstall scriptlet' 'install-system-units isotrace.service isotrace-prune.timer' \
            'preuninstall scriptlet' 'remove-system-units isotrace.service isotrace-prune.timer' \
            'postuninstall scriptlet' 'mark-restart-system-units isotrace.service'; do
  echo "$scripts" | grep -qF -- "$part" || say_fail "rpm --scripts has no '$part'"
done

# Install, look, edit, add records, remove.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
scripts_option=
if [ -f "$cache/debian12-base.tar" ]; then
  mkdir "$root" && tar -C "$root" -xf "$cache/debian12-base.tar"
else
  mkdir "$root"; scripts_option=--noscripts
  echo "rpm: no minimal root cached in $cache (minroot.sh builds it): installing with --noscripts into an empty root"
fi
if [ "$(id -u)" -ne 0 ]; then
  [ $fail -eq 0 ] || exit 1
  echo "rpm: package contents, Requires and scriptlets as expected; SKIP the rpm --root install: needs root (file owners)"
  exit 0
fi
rpm --root "$root" --initdb
# (Debian's rpm warns on stderr that it is not Debian's package manager: kept out of the output.)
rpm --root "$root" -i --nodeps $scripts_option "$rpm_file" 2>"$work/install.log" \
  || { cat "$work/install.log"; say_fail "rpm --root $root -i --nodeps $rpm_file failed"; }
installed() {  # path mode owner group type
  [ -e "$root$1" ] || { say_fail "after rpm -i: $1 is missing"; return; }
  got=$(stat -c '%a %U %G %F' "$root$1")
  [ "$got" = "$2 $3 $4 $5" ] || say_fail "after rpm -i: $1 is '$got', expected '$2 $3 $4 $5'"
}
installed /usr/bin/isotrace 755 root root "regular file"
installed /etc/isotrace/policy.yaml 644 root root "regular file"
installed /usr/share/isotrace/policies/wlcg-mupj.yaml 644 root root "regular file"
installed /usr/lib/systemd/system/isotrace.service 644 root root "regular file"
# The daemon's user, made by %pre (only when the scriptlets run: without them rpm falls back to root).
if [ -z "$scripts_option" ]; then
  # Owners by the root's own user database (the host has no isotrace user).
  user_id=$(awk -F: '$1 == "isotrace" { print $3 }' "$root/etc/passwd")
  group_id=$(awk -F: '$1 == "isotrace" { print $3 }' "$root/etc/group")
  if [ -z "$user_id" ] || [ -z "$group_id" ]; then
    say_fail "rpm -i made no isotrace user and group: $(cat "$work/install.log")"
  else
    got=$(stat -c '%a %u %g %F' "$root/var/lib/isotrace")
    [ "$got" = "750 $user_id $group_id directory" ] || say_fail "after rpm -i: /var/lib/isotrace is '$got', expected '750 $user_id $group_id directory' (isotrace)"
  fi
else
  installed /var/lib/isotrace 750 root root directory
fi
installed /usr/lib/sysusers.d/isotrace.conf 644 root root "regular file"
grep -q -- '--user isotrace' "$root/usr/lib/systemd/system/isotrace.service" || say_fail "isotrace.service does not run the daemon as the isotrace user"
grep -q '^User=isotrace' "$root/usr/lib/systemd/system/isotrace-prune.service" || say_fail "isotrace-prune.service does not run as the isotrace user"
installed /usr/share/man/man1/isotrace-query.1.gz 644 root root "regular file"
installed /usr/share/bash-completion/completions/isotrace 644 root root "regular file"
[ -e "$root/var/lib/isotrace/keys" ] && say_fail "rpm -i made a key: keys are made on the unit's first start"
grep -q '^ExecStart=/usr/bin/isotrace daemon' "$root/usr/lib/systemd/system/isotrace.service" \
  || say_fail "isotrace.service does not start /usr/bin/isotrace"
grep -q "^ExecStartPre=.*/usr/bin/isotrace keygen --out /var/lib/isotrace" "$root/usr/lib/systemd/system/isotrace.service" \
  || say_fail "isotrace.service does not make the key on first start"
grep -v '^#' "$root/usr/lib/systemd/system/"isotrace* | grep -q '/usr/local' && say_fail "a unit still names /usr/local"
rpm --root "$root" -V --nodeps isotrace || say_fail "rpm -V isotrace reports changes right after install"

# Removal: the edited policy is kept as .rpmsave, the state directory with its records stays.
echo "# site change" >> "$root/etc/isotrace/policy.yaml"
mkdir -p "$root/var/lib/isotrace/records" "$root/var/lib/isotrace/keys"
echo '{}' > "$root/var/lib/isotrace/records/2026-12-04.jsonl"
echo key > "$root/var/lib/isotrace/keys/isotrace.key"
rpm --root "$root" -e $scripts_option isotrace 2>"$work/erase.log" || { cat "$work/erase.log"; say_fail "rpm -e isotrace failed"; }
grep -v 'should not be used directly\|assuming you know what you are doing' "$work/erase.log" "$work/install.log" | grep -i 'error\|fail' \
  && say_fail "rpm -i or -e reported errors (scriptlets?)"
[ -e "$root/usr/bin/isotrace" ] && say_fail "rpm -e left /usr/bin/isotrace"
[ -e "$root/usr/lib/systemd/system/isotrace.service" ] && say_fail "rpm -e left the unit"
[ -f "$root/etc/isotrace/policy.yaml.rpmsave" ] || say_fail "rpm -e did not keep the edited policy as policy.yaml.rpmsave"
[ -f "$root/var/lib/isotrace/records/2026-12-04.jsonl" ] || say_fail "rpm -e removed the records"
[ -f "$root/var/lib/isotrace/keys/isotrace.key" ] || say_fail "rpm -e removed the key"

[ $fail -eq 0 ] || exit 1
echo "rpm: $(basename "$rpm_file"): files, modes, owners, Requires ($expected), scriptlets, install and removal as expected${scripts_option:+ (scriptlets not run: no minimal root)}"
