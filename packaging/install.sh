#!/usr/bin/env bash
# Publishes WgSupervisor into /opt/wgsupervisor (a single folder: the supervisor and the wgsup CLI) and
# installs the systemd unit. Run from the repository, as root. Idempotent; keeps an existing configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dotnet publish src/WgSupervisor.Host -c Release -o /opt/wgsupervisor --nologo -v quiet
dotnet publish src/WgSupervisor.Cli -c Release -o /opt/wgsupervisor/cli --nologo -v quiet
cp README.md /opt/wgsupervisor/
install -d -m 0700 /etc/wgsupervisor /etc/wgsupervisor/tls
[[ -f /etc/wgsupervisor/wgsupervisor.json ]] || install -m 0600 config/wgsupervisor.json /etc/wgsupervisor/wgsupervisor.json
if [[ ! -f /etc/wgsupervisor/env ]]; then
  umask 077
  echo "WGSUPERVISOR_ADMIN_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > /etc/wgsupervisor/env
fi
install -m 0644 packaging/wgsupervisor.service /etc/systemd/system/wgsupervisor.service
ln -sf /opt/wgsupervisor/cli/wgsup /usr/local/bin/wgsup
/usr/bin/dotnet /opt/wgsupervisor/wgsupervisor.dll check --config /etc/wgsupervisor/wgsupervisor.json
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  echo "installed: systemctl enable --now wgsupervisor"
else
  echo "installed (no systemd here): run /usr/bin/dotnet /opt/wgsupervisor/wgsupervisor.dll --config /etc/wgsupervisor/wgsupervisor.json"
fi
