import { describe, expect, test } from "bun:test";
import { startTestVm, testVmSkipReason } from "../helpers/test-vm.ts";

const suffix = testVmSkipReason ? ` (${testVmSkipReason})` : "";

describe("startTestVm", () => {
  test.skipIf(testVmSkipReason !== undefined)(
    `boots a pristine Debian host with sshd, nftables, auditd, cron, chrony, sudo and a timer${suffix}`,
    async () => {
      await using vm = await startTestVm();
      const out = async (command: string) => {
        const r = await vm.run(command);
        return `${r.exitCode} ${r.stdout.trim()}`;
      };
      const ruleset = (await vm.run("nft list ruleset")).stdout;
      const audit = (await vm.run("auditctl -s")).stdout;
      const sudoWithPassword = await vm.run("sudo -S -k -p '' id -u", { user: "ops", stdin: `${vm.opsUser.password}\n` });
      const sudoWithout = await vm.run("sudo -n -k true", { user: "ops" });

      expect({
        hostname: await out("hostname"),
        pid1: await out("ps -p 1 -o comm="),
        active: await out("systemctl is-active ssh nftables auditd cron chrony backup-demo.timer | paste -sd ' '"),
        sshd: await out("sshd -T | grep -E '^(permitrootlogin|passwordauthentication|usedns) ' | sort | paste -sd ','"),
        firewall: {
          inputPolicyDrop: /hook input priority filter; policy drop;/.test(ruleset),
          ssh: ruleset.includes("tcp dport 22 accept"),
        },
        auditEnabled: /^enabled 1$/m.test(audit),
        auditRules: await out("auditctl -l | grep -c -- '-k identity'"),
        dataDisk: await out("findmnt -n -o SOURCE,FSTYPE /srv/data"),
        sudo: { withPassword: `${sudoWithPassword.exitCode} ${sudoWithPassword.stdout.trim()}`, withoutPassword: sudoWithout.exitCode },
      }).toEqual({
        hostname: "0 ca-testhost",
        pid1: "0 systemd",
        active: "0 active active active active active active",
        sshd: "0 passwordauthentication yes,permitrootlogin without-password,usedns no",
        firewall: { inputPolicyDrop: true, ssh: true },
        auditEnabled: true,
        auditRules: "0 2",
        dataDisk: "0 /dev/vdb ext4",
        sudo: { withPassword: "0 0", withoutPassword: 1 },
      });
    },
    600_000,
  );
});
