#!/usr/bin/env bash
# Installs a Vulkan loader and Mesa's lavapipe (a Vulkan driver that runs on the CPU) so that the
# webgpu tests of @ait/core and @ait/vision run through Dawn (the `webgpu` npm package).
# Debian 12's own Mesa (22.3) is too old for Dawn (it lacks shaderUniform*ArrayDynamicIndexing);
# Mesa 25 from Debian's bookworm-backports suite works. Idempotent: it does nothing when a Mesa
# new enough is already installed. Never fails the caller: where apt cannot install, it warns and
# exits 0 (the webgpu tests then skip, saying that no adapter exists).
set -uo pipefail

say() { echo "install-vulkan: $*"; }
warn() { echo "install-vulkan: WARNING: $*" >&2; }

# Mesa's major version of the installed Vulkan drivers, or 0 when none is installed.
mesa_major() {
  local version
  version=$(dpkg-query -W -f='${Status} ${Version}' mesa-vulkan-drivers 2>/dev/null | sed -n 's/^install ok installed \([0-9]*\).*/\1/p')
  echo "${version:-0}"
}

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  warn "no apt-get/dpkg here; install libvulkan1 and a Vulkan driver (Mesa >= 23 lavapipe, or the GPU vendor's) by hand"
  exit 0
fi

if [ "$(mesa_major)" -ge 23 ] && dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q 'install ok installed'; then
  say "libvulkan1 and mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) already installed; nothing to do"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  warn "not root; cannot install libvulkan1 and mesa-vulkan-drivers (run this script as root)"
  exit 0
fi

codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
target=()
if [ "$codename" = "bookworm" ]; then
  # Debian 12's Mesa is too old for Dawn: take the backports suite's.
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' >/etc/apt/sources.list.d/bookworm-backports.list
    say "added bookworm-backports to /etc/apt/sources.list.d/bookworm-backports.list"
  else
    say "bookworm-backports is already in apt's sources"
  fi
  target=(-t bookworm-backports)
else
  say "system is '${codename:-unknown}', not Debian 12; installing its own Mesa"
fi

say "apt-get update"
if ! apt-get update -qq; then
  warn "apt-get update failed; Vulkan not installed (webgpu tests will skip)"
  exit 0
fi
say "installing libvulkan1 mesa-vulkan-drivers ${target[*]}"
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${target[@]}" libvulkan1 mesa-vulkan-drivers >/dev/null; then
  warn "apt-get install failed; Vulkan not installed (webgpu tests will skip)"
  exit 0
fi
say "installed libvulkan1 $(dpkg-query -W -f='${Version}' libvulkan1) and mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
if [ "$(mesa_major)" -lt 23 ]; then
  warn "Mesa $(mesa_major) is older than Dawn accepts (23+); webgpu tests will skip"
fi
exit 0
