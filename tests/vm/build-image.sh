#!/usr/bin/env bash
# Builds the Debian test VM image once, into a cache outside the repository:
#   ${COMPLIANCE_AGENT_TEST_VM_CACHE:-/var/cache/compliance-agent-test-vm}/<recipe-hash>/
# The hash is taken over this script, so editing the recipe builds a new image. A finished image
# has a READY marker; a cached one makes this script return at once. Needs root, debootstrap,
# mkfs.ext4 (e2fsprogs), qemu-img (qemu-utils), ssh-keygen and http://deb.debian.org.
# No loop devices: the root filesystem is written with `mkfs.ext4 -d`.
set -euo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
cache_root="${COMPLIANCE_AGENT_TEST_VM_CACHE:-/var/cache/compliance-agent-test-vm}"
hash="$(sha256sum "$script" | cut -c1-12)"
out="$cache_root/$hash"
mirror="http://deb.debian.org/debian"
suite="bookworm"

if [ -e "$out/READY" ]; then
  echo "test VM image: cached in $out"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "build-image.sh: must run as root (debootstrap and chroot need it)" >&2
  exit 1
fi
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
for tool in debootstrap mkfs.ext4 qemu-img ssh-keygen chroot flock; do
  if ! command -v "$tool" >/dev/null; then
    echo "build-image.sh: $tool is missing (apt-get install debootstrap e2fsprogs qemu-utils openssh-client)" >&2
    exit 1
  fi
done

mkdir -p "$cache_root"
# One build at a time; a second caller waits and then finds the image ready.
exec 9>"$cache_root/.lock"
flock 9
if [ -e "$out/READY" ]; then
  echo "test VM image: cached in $out"
  exit 0
fi

start=$SECONDS
work="$(mktemp -d "$cache_root/.build-$hash-XXXXXX")"
root="$work/rootfs"
cleanup() {
  set +e
  # debootstrap mounts /proc and /sys inside the target; never delete through a mount point.
  if [ -d "$root" ]; then
    { grep -o " $root/[^ ]*" /proc/mounts || true; } | sort -r | while read -r mnt; do umount -l "$mnt" || true; done
  fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
step() { echo "[$((SECONDS - start)) s] $*" >&2; }

# linux-image-amd64 + initramfs-tools: a kernel and initramfs with virtio drivers; netbase:
# /etc/protocols, without which nft cannot name icmp; dbus + libpam-systemd: logind sessions and
# timedatectl/hostnamectl, as on a real server.
packages=(
  systemd-sysv udev dbus libpam-systemd
  linux-image-amd64 initramfs-tools zstd kmod
  openssh-server nftables auditd cron chrony sudo
  procps iproute2 openssl passwd login netbase unattended-upgrades
)
step "debootstrap $suite ($mirror)"
debootstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" \
  "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

step "configure"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

echo ca-testhost >"$root/etc/hostname"
cat >"$root/etc/hosts" <<'EOF'
127.0.0.1 localhost
127.0.1.1 ca-testhost
::1 localhost ip6-localhost ip6-loopback
EOF
cat >"$root/etc/fstab" <<'EOF'
# The root filesystem is mounted rw by the kernel command line (root=/dev/vda rw).
/dev/vda  /          ext4  errors=remount-ro  0  1
/dev/vdb  /srv/data  ext4  defaults,nofail    0  2
EOF
mkdir -p "$root/srv/data"
# A fixed machine id: an empty one would make every boot a "first boot" that applies presets.
tr -d '-' </proc/sys/kernel/random/uuid >"$root/etc/machine-id"

# DHCP on the virtio NIC (QEMU user networking hands out 10.0.2.15).
cat >"$root/etc/systemd/network/20-dhcp.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=yes
EOF
in_root systemctl --quiet enable systemd-networkd.service
in_root systemctl --quiet set-default multi-user.target

mkdir -p "$root/etc/systemd/journald.conf.d" "$root/var/log/journal"
cat >"$root/etc/systemd/journald.conf.d/10-persistent.conf" <<'EOF'
[Journal]
Storage=persistent
EOF

# Set in sshd_config itself, not a drop-in: a drop-in would win over a test's edit of the file.
sed -i -E \
  -e 's/^#?PermitRootLogin .*/PermitRootLogin prohibit-password/' \
  -e 's/^#?PasswordAuthentication .*/PasswordAuthentication yes/' \
  -e 's/^#?UseDNS .*/UseDNS no/' \
  "$root/etc/ssh/sshd_config"
for setting in "PermitRootLogin prohibit-password" "PasswordAuthentication yes" "UseDNS no"; do
  grep -qx "$setting" "$root/etc/ssh/sshd_config" || { echo "build-image.sh: cannot set \"$setting\" in sshd_config" >&2; exit 1; }
done

# The test key: authorised for root and for ops.
ssh-keygen -q -t ed25519 -N "" -C "compliance-agent-test-vm" -f "$work/id_ed25519"
install -d -m 700 "$root/root/.ssh"
install -m 600 "$work/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
in_root useradd --create-home --shell /bin/bash --groups sudo ops
echo "ops:ops-test-password" | in_root chpasswd
install -d -m 700 "$root/home/ops/.ssh"
install -m 600 "$work/id_ed25519.pub" "$root/home/ops/.ssh/authorized_keys"
in_root chown -R ops:ops /home/ops/.ssh

# Input policy drop, with what QEMU user networking needs: replies, loopback, DHCP and ssh.
cat >"$root/etc/nftables.conf" <<'EOF'
#!/usr/sbin/nft -f
flush ruleset

table inet filter {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    iif lo accept
    meta l4proto { icmp, ipv6-icmp } accept
    udp sport 67 udp dport 68 accept
    tcp dport 22 accept
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
  }
  chain output {
    type filter hook output priority filter; policy accept;
  }
}
EOF
in_root systemctl --quiet enable nftables.service

cat >"$root/etc/audit/rules.d/50-test-host.rules" <<'EOF'
-w /etc/passwd -p wa -k identity
-w /etc/shadow -p wa -k identity
-w /etc/ssh/sshd_config -p wa -k sshd
-w /etc/sudoers -p wa -k scope
EOF

# A timer a test can stop.
cat >"$root/etc/systemd/system/backup-demo.service" <<'EOF'
[Unit]
Description=Demo backup job (does nothing)

[Service]
Type=oneshot
ExecStart=/bin/true
EOF
cat >"$root/etc/systemd/system/backup-demo.timer" <<'EOF'
[Unit]
Description=Hourly demo backup

[Timer]
OnCalendar=hourly

[Install]
WantedBy=timers.target
EOF
in_root systemctl --quiet enable ssh.service auditd.service cron.service chrony.service backup-demo.timer

# Automatic updates are configured as on a real server (a check reads them), but their timers
# never fire during a test: there is no network to fetch from, and a failed run would be drift.
printf 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n' >"$root/etc/apt/apt.conf.d/20auto-upgrades"
for timer in apt-daily apt-daily-upgrade; do
  mkdir -p "$root/etc/systemd/system/$timer.timer.d"
  printf '[Timer]\nOnCalendar=\nOnCalendar=2099-01-01\nPersistent=false\nRandomizedDelaySec=0\n' >"$root/etc/systemd/system/$timer.timer.d/test-vm.conf"
done
in_root systemctl --quiet enable apt-daily.timer apt-daily-upgrade.timer

# Units that slow the boot or wait for a network that is never "online" here.
for unit in systemd-networkd-wait-online.service \
  e2scrub_all.timer e2scrub_all.service \
  e2scrub_reap.service fstrim.timer dpkg-db-backup.timer man-db.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done

# A small initramfs with just what a virtio disk needs: quicker to unpack under emulation.
cat >"$root/etc/initramfs-tools/conf.d/10-test-vm.conf" <<'EOF'
MODULES=list
COMPRESS=zstd
EOF
printf '%s\n' virtio_pci virtio_blk virtio_net crc32c_generic ext4 >>"$root/etc/initramfs-tools/modules"
step "initramfs"
in_root update-initramfs -u -k all >"$work/initramfs.log" 2>&1 || {
  tail -n 30 "$work/initramfs.log" >&2
  exit 1
}

in_root apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/tmp/* "$root"/var/tmp/*
# Unmount what debootstrap may have left before copying the tree.
{ grep -o " $root/[^ ]*" /proc/mounts || true; } | sort -r | while read -r mnt; do umount -l "$mnt"; done

image="$work/image"
mkdir "$image"
cp "$(readlink -f "$root/vmlinuz")" "$image/vmlinuz"
cp "$(readlink -f "$root/initrd.img")" "$image/initrd.img"
mv "$work/id_ed25519" "$work/id_ed25519.pub" "$image/"

step "mkfs.ext4 -d (root, 1.5 GiB sparse)"
mkfs.ext4 -q -F -L ca-root -d "$root" "$work/root.raw" 1536M >/dev/null
qemu-img convert -O qcow2 "$work/root.raw" "$image/root.qcow2"
rm -f "$work/root.raw"
rm -rf --one-file-system "$root"

step "data disk (ext4, 64 MiB)"
truncate -s 64M "$work/data.raw"
mkfs.ext4 -q -F -L ca-data "$work/data.raw"
qemu-img convert -O qcow2 "$work/data.raw" "$image/data.qcow2"
rm -f "$work/data.raw"

date -u +%Y-%m-%dT%H:%M:%SZ >"$image/READY"
rm -rf --one-file-system "$out"
mv "$image" "$out"
echo "test VM image built in $((SECONDS - start)) s: $out ($(du -sh "$out" | cut -f1))"
