#!/usr/bin/env bash
# Turns a tree staged by `make install DESTDIR=ROOT PREFIX=/usr` into OUT/pgfloat_VERSION_ARCH.deb.
# Usage: packaging/build-deb.sh ROOT OUT. Runs as any user: dpkg-deb --root-owner-group makes every file root's.
# What it adds to the staged tree: a stripped binary, the gzipped manual page, /usr/share/doc/pgfloat (copyright,
# changelog.gz), and DEBIAN/ (control with dpkg-shlibdeps' dependencies, conffiles, maintainer scripts, md5sums).
set -euo pipefail

root=$(realpath "$1")
out=$(realpath -m "$2")
here=$(cd "$(dirname "$0")" && pwd)
bin=$root/usr/bin/pgfloat

[ -x "$bin" ] || { echo "build-deb: $bin missing: stage with make install PREFIX=/usr first" >&2; exit 1; }

version=$("$bin" version | awk '{print $2}')
arch=$(dpkg --print-architecture)
# The Debian changelog's newest entry names the version the package claims; a bump of Version.swift needs an entry.
changelog_version=$(sed -n '1s/^pgfloat (\([^)]*\)).*/\1/p' "$here/changelog")
if [ "$version" != "$changelog_version" ]; then
    echo "build-deb: pgfloat version says $version, packaging/changelog's newest entry $changelog_version:" \
        "add an entry for $version" >&2
    exit 1
fi

# As dh_strip does for executables; Swift's reflection metadata lives in allocated sections, which strip keeps.
strip --remove-section=.comment --remove-section=.note "$bin"

find "$root/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9nf {} +

doc=$root/usr/share/doc/pgfloat
install -d -m 0755 "$doc"
install -m 0644 "$here/copyright" "$doc/copyright"
# A native package (the version has no Debian revision) keeps its Debian changelog as changelog.gz.
gzip -9nc "$here/changelog" > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"
if [ -s "$here/lintian-overrides" ]; then
    install -d -m 0755 "$root/usr/share/lintian/overrides"
    install -m 0644 "$here/lintian-overrides" "$root/usr/share/lintian/overrides/pgfloat"
fi

# Shipped world-readable like every conffile; postinst gives it to root:pgfloat 0640 once the group exists.
chmod 0644 "$root/etc/pgfloat/pgfloat.toml"

rm -rf "$root/DEBIAN"
install -d -m 0755 "$root/DEBIAN"

# dpkg-shlibdeps wants to run beside a debian/control that names the package; give it one of its own.
shlib_work=$(mktemp -d)
trap 'rm -rf "$shlib_work"' EXIT
mkdir -p "$shlib_work/debian"
printf 'Source: pgfloat\n\nPackage: pgfloat\nArchitecture: any\n' > "$shlib_work/debian/control"
shlibs=$(cd "$shlib_work" && dpkg-shlibdeps -O "$bin" | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# adduser: postinst's fallback for systems without systemd-sysusers.
depends="$shlibs, adduser"

installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
    -e "s/@DEPENDS@/$depends/" "$here/debian/control.in" > "$root/DEBIAN/control"
install -m 0644 "$here/debian/conffiles" "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    install -m 0755 "$here/debian/$script" "$root/DEBIAN/$script"
done
# Checksums of every shipped file but the conffiles, whose sums dpkg keeps itself (as dh_md5sums does).
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort \
    | grep -vxF -f <(sed 's|^/||' DEBIAN/conffiles) | xargs -d '\n' md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

# Directories 0755, files 0644 but for the executables, whatever the umask of the staging build was.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -path "$root/DEBIAN" -prune -o -type f ! -path "$root/usr/bin/*" -exec chmod 0644 {} +

install -d "$out"
deb=$out/pgfloat_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb"
echo "build-deb: $deb ($(du -h "$deb" | cut -f1), installed $installed_size KiB)"
