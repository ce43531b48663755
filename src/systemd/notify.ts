/**
 * sd_notify(3) without libsystemd: one AF_UNIX datagram to `$NOTIFY_SOCKET` per message,
 * sent through libc with bun:ffi (neither Bun nor Node offers Unix datagram sockets).
 * Without `$NOTIFY_SOCKET` (not started by systemd) every call is a no-op.
 * @module
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const SUN_PATH_MAX = 108;

type Libc = {
  socket: (domain: number, type: number, proto: number) => number;
  sendto: (fd: number, buf: unknown, len: bigint, flags: number, addr: unknown, addrlen: number) => bigint;
  close: (fd: number) => number;
};

let libc: Libc | undefined;
function loadLibc(): Libc {
  if (!libc) {
    const { symbols } = dlopen("libc.so.6", {
      socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      sendto: {
        args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32],
        returns: FFIType.i64,
      },
      close: { args: [FFIType.i32], returns: FFIType.i32 },
    });
    libc = symbols as unknown as Libc;
  }
  return libc;
}

/** `struct sockaddr_un` for a path, or for an abstract name when it starts with `@`. */
export function sockaddrUn(socketPath: string): Uint8Array {
  const abstract = socketPath.startsWith("@");
  const name = Buffer.from(abstract ? "\0" + socketPath.slice(1) : socketPath, "utf8");
  if (name.length >= SUN_PATH_MAX) throw new RangeError(`NOTIFY_SOCKET path too long: ${socketPath}`);
  // Abstract names are exactly their bytes; paths carry a terminating NUL.
  const addr = new Uint8Array(2 + name.length + (abstract ? 0 : 1));
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(name, 2);
  return addr;
}

/** Sends one notification (e.g. `READY=1`); returns false when not under systemd or on error. */
export function sdNotify(message: string, socketPath = process.env.NOTIFY_SOCKET): boolean {
  if (!socketPath) return false;
  try {
    const c = loadLibc();
    const addr = sockaddrUn(socketPath);
    const data = Buffer.from(message, "utf8");
    const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    try {
      return c.sendto(fd, ptr(data), BigInt(data.length), MSG_NOSIGNAL, ptr(addr), addr.length) === BigInt(data.length);
    } finally {
      c.close(fd);
    }
  } catch {
    return false;
  }
}
