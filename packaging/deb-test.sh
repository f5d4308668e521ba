#!/usr/bin/env bash
# Checks the Debian package end to end, as root on a machine (or container) that does not have pgfloat installed:
# lintian, dpkg -i, `pgfloat check` on the shipped example, the conffile kept over a reinstall after an edit,
# remove, purge, and nothing of the package left. Needs no systemd as PID 1.
# Usage: packaging/deb-test.sh DEB
set -euo pipefail

deb=$1
config=/etc/pgfloat/pgfloat.toml
failures=0
passes=0

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; passes=$((passes + 1)); }

[ "$(id -u)" = 0 ] || { echo "deb-test: needs root (dpkg -i)" >&2; exit 1; }
# The test installs and purges the package: refuse to touch an administrator's installation or configuration.
if dpkg-query -W -f '${db:Status-Status}' pgfloat 2>/dev/null | grep -qv '^not-installed$'; then
    echo "deb-test: pgfloat is installed here (dpkg -l pgfloat); purge it first" >&2
    exit 1
fi
if [ -e /etc/pgfloat ]; then
    echo "deb-test: /etc/pgfloat exists (make install?); the test would take it over: move it away first" >&2
    exit 1
fi

step "lintian $deb"
# Every tag is printed (-I: info too); only errors fail the build.
if lintian -I --fail-on error "$deb"; then pass "lintian: no errors"; else fail "lintian reported errors"; fi

step "package contents"
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb"

step "dpkg -i"
dpkg -i "$deb"
[ "$(dpkg-query -W -f '${db:Status-Status}' pgfloat)" = installed ] && pass "installed" || fail "not installed"
getent passwd pgfloat >/dev/null && pass "user pgfloat exists" || fail "no user pgfloat"
getent group pgfloat >/dev/null && pass "group pgfloat exists" || fail "no group pgfloat"
perms=$(stat -c '%a %U:%G' "$config")
[ "$perms" = "640 root:pgfloat" ] && pass "$config is $perms" || fail "$config is $perms, want 640 root:pgfloat"
for file in /usr/bin/pgfloat /usr/lib/systemd/system/pgfloat.service /usr/lib/sysusers.d/pgfloat.conf \
    /usr/lib/tmpfiles.d/pgfloat.conf /usr/share/man/man1/pgfloat.1.gz /usr/share/doc/pgfloat/copyright; do
    [ -f "$file" ] && pass "$file" || fail "$file missing"
done
grep -q '^ExecStart=/usr/bin/pgfloat ' /usr/lib/systemd/system/pgfloat.service \
    && pass "unit runs /usr/bin/pgfloat" || fail "unit's ExecStart is not /usr/bin/pgfloat"
/usr/bin/pgfloat version
man -l /usr/share/man/man1/pgfloat.1.gz 2>/dev/null | grep -q 'pgfloat' && pass "manual page renders" \
    || fail "manual page does not render"

step "pgfloat check on the installed example"
if /usr/bin/pgfloat check -c "$config"; then pass "check exits 0"; else fail "check failed on the example"; fi
# The daemon reads its configuration as the pgfloat user.
if command -v setpriv >/dev/null; then
    if setpriv --reuid=pgfloat --regid=pgfloat --init-groups /usr/bin/pgfloat check -c "$config"; then
        pass "pgfloat user can read and check it"
    else
        fail "pgfloat user cannot check $config"
    fi
fi

step "an edited conffile survives a reinstall"
marker="# deb-test: an administrator's edit $$"
echo "$marker" >> "$config"
dpkg -i "$deb" < /dev/null
grep -qxF "$marker" "$config" && pass "edit kept" || fail "edit lost on reinstall"
[ ! -e "$config.dpkg-new" ] && [ ! -e "$config.dpkg-dist" ] && pass "no .dpkg-new/.dpkg-dist left" \
    || fail "dpkg left a new copy beside the config"
/usr/bin/pgfloat check -c "$config" >/dev/null && pass "edited config still checks" || fail "edited config fails"
dpkg-statoverride --update --add root pgfloat 0600 "$config"
dpkg -i "$deb" < /dev/null
[ "$(stat -c %a "$config")" = 600 ] && pass "dpkg-statoverride respected" || fail "postinst ignored the statoverride"
dpkg-statoverride --remove "$config"

step "dpkg -r"
dpkg -r pgfloat
[ ! -e /usr/bin/pgfloat ] && pass "binary gone" || fail "binary left after remove"
[ "$(dpkg-query -W -f '${db:Status-Status}' pgfloat)" = config-files ] && pass "config-files state" \
    || fail "state after remove is not config-files"
[ -f "$config" ] && pass "config kept on remove" || fail "config gone on remove"

step "dpkg -P"
dpkg -P pgfloat
listed=$(dpkg -L pgfloat 2>/dev/null || true)
[ -z "$listed" ] && pass "dpkg -L pgfloat is empty" || fail "dpkg -L still lists: $listed"
dpkg-query -W pgfloat >/dev/null 2>&1 && fail "dpkg still knows pgfloat" || pass "dpkg forgot pgfloat"
for path in /usr/bin/pgfloat /etc/pgfloat /usr/lib/systemd/system/pgfloat.service /usr/lib/sysusers.d/pgfloat.conf \
    /usr/lib/tmpfiles.d/pgfloat.conf /usr/share/man/man1/pgfloat.1.gz /usr/share/doc/pgfloat /run/pgfloat \
    /var/lib/pgfloat /var/lib/systemd/deb-systemd-helper-enabled/pgfloat.service.dsh-also; do
    [ ! -e "$path" ] && pass "$path gone" || fail "$path left after purge"
done
# Debian keeps system users on purge (files owned by the uid may remain); the test leaves it too.
getent passwd pgfloat >/dev/null && echo "note: user pgfloat stays after purge, as Debian does for system users"

echo
echo "deb-test: $passes passed, $failures failed"
[ "$failures" = 0 ]
