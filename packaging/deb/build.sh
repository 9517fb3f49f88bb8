#!/usr/bin/env bash
# Builds wgsupervisor_VERSION_amd64.deb with dpkg-deb: the supervisor and wgsup published self-contained (Debian's
# archive has no .NET runtime) into /opt/wgsupervisor, commands in /usr/bin, the systemd unit, the configuration as a
# conffile. Run from anywhere; needs the .NET SDK and dpkg-deb.
#   bash packaging/deb/build.sh [--version 1.2.3] [--output DIR]     (default: the version of src/, DIR artifacts/deb)
set -euo pipefail
cd "$(dirname "$0")/../.."
version="" output="artifacts/deb"
while (( $# > 0 )); do
  case "$1" in
    --version) version="${2:?--version needs a value}"; shift 2 ;;
    --output) output="${2:?--output needs a directory}"; shift 2 ;;
    *) echo "build.sh: unknown argument '$1' (use --version V, --output DIR)" >&2; exit 2 ;;
  esac
done
if [[ -z "$version" ]]; then
  version=$(dotnet msbuild src/WgSupervisor.Host -getProperty:Version -nologo 2>/dev/null | tr -d '[:space:]')
fi
[[ "$version" =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || { echo "build.sh: '$version' is not a Debian version" >&2; exit 2; }

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
root="$staging/wgsupervisor_${version}_amd64"
app="$root/opt/wgsupervisor"

# Both programs into one folder: one copy of the runtime (the host's is a superset of the CLI's).
# Its own artifacts path: the restore for linux-x64 must not touch the obj/ folders of the working tree.
publish=(-c Release -r linux-x64 --self-contained -p:DebugType=none --artifacts-path "$staging/build" -nologo -v quiet)
dotnet publish src/WgSupervisor.Host "${publish[@]}" -o "$app"
dotnet publish src/WgSupervisor.Cli "${publish[@]}" -o "$app"
rm -rf "$app/config"   # the example configuration ships as the conffile below

install -d "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/wgsupervisor" "$root/usr/share/doc/wgsupervisor" "$root/DEBIAN"
ln -s /opt/wgsupervisor/wgsupervisor "$root/usr/bin/wgsupervisor"
ln -s /opt/wgsupervisor/wgsup "$root/usr/bin/wgsup"
install -m 0644 config/wgsupervisor.json "$root/etc/wgsupervisor/wgsupervisor.json"
install -m 0644 README.md "$root/usr/share/doc/wgsupervisor/README.md"
install -m 0644 packaging/prometheus/alerts.yml "$root/usr/share/doc/wgsupervisor/prometheus-alerts.yml"
install -m 0644 packaging/grafana/wgsupervisor-fleet.json "$root/usr/share/doc/wgsupervisor/grafana-dashboard.json"
# The unit of packaging/ with the self-contained program instead of `dotnet wgsupervisor.dll`.
sed -e 's|^ExecStart=.*|ExecStart=/usr/bin/wgsupervisor --config /etc/wgsupervisor/wgsupervisor.json|' \
    -e 's|^Documentation=.*|Documentation=file:///usr/share/doc/wgsupervisor/README.md|' \
    packaging/wgsupervisor.service > "$root/lib/systemd/system/wgsupervisor.service"
chmod 0644 "$root/lib/systemd/system/wgsupervisor.service"

installed_kib=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: wgsupervisor
Version: $version
Architecture: amd64
Maintainer: WgSupervisor developers <wgsupervisor@localhost>
Installed-Size: $installed_kib
Depends: wireguard-tools, iproute2, libc6, libgcc-s1, libstdc++6, libssl3
Recommends: wireguard-go, nftables, iputils-ping
Section: net
Priority: optional
Homepage: file:///usr/share/doc/wgsupervisor/README.md
Description: watches and repairs WireGuard tunnels
 An actor-based supervisor for fleets of WireGuard tunnels: it watches every
 tunnel's handshake (and, where configured, probes through it), notices when it
 has gone stale, repairs it cheapest repair first without restart storms, and
 keeps a history the operator can read through an admin API, a dashboard and
 the wgsup command-line client.
CONTROL
printf '/etc/wgsupervisor/wgsupervisor.json\n' > "$root/DEBIAN/conffiles"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"

mkdir -p "$output"
dpkg-deb --build --root-owner-group "$root" "$output" >/dev/null
echo "$output/wgsupervisor_${version}_amd64.deb"
