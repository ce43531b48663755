/**
 * A systemd-style notification socket for tests: a Unix datagram socket (served by a small
 * python3 process, as Bun cannot bind one) that records each message with its arrival time.
 * @module
 */
import { join } from "node:path";

const RECEIVER = `
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"ready": True}), flush=True)
while True:
    data = s.recv(65536)
    print(json.dumps({"t": time.time() * 1000, "msg": data.decode()}), flush=True)
`;

export interface NotifyMessage {
  t: number;
  msg: string;
}

export async function startNotifySocket(dir: string) {
  const path = join(dir, "notify.sock");
  const proc = Bun.spawn(["python3", "-u", "-c", RECEIVER, path], { stdout: "pipe", stderr: "inherit" });
  const messages: NotifyMessage[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  void (async () => {
    let partial = "";
    for await (const chunk of proc.stdout) {
      partial += new TextDecoder().decode(chunk);
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const l of lines) {
        const j = JSON.parse(l);
        if (j.ready) ready();
        else messages.push(j);
      }
    }
  })();
  await isReady;
  return {
    path,
    messages,
    /** Every message whose text contains `line` (e.g. "WATCHDOG=1"). */
    having: (line: string) => messages.filter((m) => m.msg.split("\n").includes(line)),
    [Symbol.dispose]: () => proc.kill(),
  };
}
