import assert from "node:assert/strict";
import { client, server } from "../../images/net_demo.ts";
import { hello } from "../../apps/hello.ts";
import { rumpdev_pci } from "../../dev/pci_component.ts";
import { rumpdev_ld } from "../../dev/ld_component.ts";
import { rumpvfs } from "../../fs/vfs_init.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import {
  consoleMatches,
  consoleNever,
  defineScenario,
  exitStatus,
  runScenario,
  type Scenario,
  type ScenarioWorld,
  validateScenario,
} from "../../rumprun/scenario.ts";
import counterRetry from "../../scenarios/counter_retry.ts";
import { checkDeterminism } from "../../cli/determinism.ts";

const at = (addr: string, img: Image, hostname: string): Image => ({
  ...img,
  config: {
    ...img.config,
    hostname,
    net: [{ if: "vioif0", method: "static", addr, mask: "255.255.255.0" }],
  },
});

async function run(s: Scenario, seed = 1) {
  let out = "";
  const r = await runScenario(s, {
    seed,
    console: (b) => (out += new TextDecoder().decode(b)),
  });
  return { ...r, out: out.replaceAll("\r\n", "\n") };
}

Deno.test("scenario: three machines on a switch; the run ends when the awaited apps end", async () => {
  const r = await run(defineScenario({
    name: "three",
    machines: [
      { name: "server", image: server, wait: false },
      { name: "c1", image: at("10.0.0.2", client, "c1") },
      { name: "c2", image: at("10.0.0.3", client, "c2") },
    ],
    invariants: [exitStatus("c1"), exitStatus("c2"), consoleMatches("c2", /HTTP\/1\.1 200 OK/)],
  }));
  assert.deepEqual(r.failures, [], r.out.slice(-2000));
  assert.equal(r.endedBy, "apps");
  assert.deepEqual(r.status, { server: null, c1: 0, c2: 0 });
  assert.match(r.out, /^c1: 3 packets transmitted, 3 packets received/m);
  assert.match(r.out, /^c2: 3 packets transmitted, 3 packets received/m);
  assert.match(r.out, /^server: 10\.0\.0\.3 - - .*"GET \/version HTTP\/1\.1" 200/m);
});

Deno.test("scenario: a partition that never heals ends at the time limit, and the invariant says why", async () => {
  const r = await run({
    ...counterRetry,
    schedule: [{ at: 0, do: "partition", machines: ["server"] }],
    timeLimitNs: 5e9,
  });
  assert.equal(r.endedBy, "time-limit");
  assert.equal(r.virtualNs, 5e9);
  assert.equal(r.passed, false);
  assert.deepEqual(r.failures, ["client exits 0: client was still running at 5.000 s"]);
});

Deno.test("scenario: an invariant checked during the run ends it at the first violation", async () => {
  const r = await run({
    ...counterRetry,
    schedule: [
      { at: 3.2e9, do: "partition", machines: ["client"], dir: "rx" },
      { at: 6e9, do: "heal", machines: ["client"] },
    ],
    invariants: [consoleNever("client", /retrying/, 100e6)],
  });
  assert.equal(r.endedBy, "invariant");
  assert.ok(r.virtualNs > 3.2e9 && r.virtualNs < 5e9, `ended at ${r.virtualNs}`);
  assert.deepEqual(r.failures, [`client console never /retrying/: printed "retrying"`]);
});

Deno.test("scenario: a crashed server boots again; its counter restarts and the client notices", async () => {
  const r = await run({
    ...counterRetry,
    schedule: [
      { at: 5.5e9, do: "crash", machine: "server" },
      { at: 6e9, do: "restart", machine: "server" },
    ],
  });
  assert.match(r.out, /^server: rumpsim: seed 1, virtual time$/m);
  assert.match(r.out, /^server: rumpsim: seed 1001, virtual time$/m, "the second boot's seed");
  assert.equal(r.out.match(/^server: vioif0: inet 10\.0\.0\.1/gm)?.length, 2);
  const m = /^client: made 20 increments, server counted (\d+)$/m.exec(r.out);
  assert.ok(m, r.out.slice(-1500));
  assert.ok(Number(m[1]) < 20, "the increments before the crash are lost");
  assert.deepEqual(r.failures, ["client exits 0: client exited 1"]);
  assert.equal(r.status.client, 1);
});

Deno.test("scenario: a crash destroys the machine's threads; the second boot's run as before", async () => {
  const threads = (w: ScenarioWorld, prefix: RegExp) =>
    w.sched.fibers().filter((f) => prefix.test(f.name) && f.stateName !== "dead").length;
  const seen: Record<string, number> = {};
  const r = await run({
    ...counterRetry,
    schedule: [
      {
        at: 5e9,
        do: "call",
        name: "before",
        fn: (w) => void (seen.before = threads(w, /^server(#\d+)?\.(?!down$)/)),
      },
      { at: 5.5e9, do: "crash", machine: "server" },
      {
        at: 5.6e9,
        do: "call",
        name: "after",
        fn: (w) => void (seen.after = threads(w, /^server(#\d+)?\.(?!down$)/)),
      },
      { at: 6e9, do: "restart", machine: "server" },
      {
        at: 7e9,
        do: "call",
        name: "again",
        fn: (w) => void (seen.again = threads(w, /^server(#\d+)?\.(?!down$)/)),
      },
    ],
  });
  assert.ok(seen.before > 3, `server threads before the crash: ${seen.before}`);
  assert.equal(seen.after, 0, "none is left once it crashed");
  assert.equal(seen.again, seen.before, "the second boot has as many as the first");
  assert.match(r.out, /^client: made 20 increments/m);
});

Deno.test("scenario: a fault event changes a link's faults in the middle of the run", async () => {
  const r = await run({
    ...counterRetry,
    schedule: [
      { at: 2e9, do: "fault", machine: "server", fault: { tx: { latencyNs: 400e6 } } },
      { at: 4e9, do: "fault", machine: "server", fault: {} },
    ],
  });
  assert.match(r.out, /^client: inc 3: no reply in 300 ms, retrying$/m);
  assert.equal(r.passed, false, "the slow replies trip the planted bug");
});

Deno.test("scenario: disks are attached, survive a restart, and take fault events", async () => {
  const disky: Image = {
    name: "disky",
    description: "a disk and hello",
    components: [rumpvfs, rumpdev_pci, rumpdev_ld],
    apps: [{ app: hello, argv: ["hello"] }],
    config: {},
  };
  const seen: string[] = [];
  const r = await run({
    name: "disky",
    machines: [{ name: "m", image: disky, disks: [{ sectors: 4096 }], wait: false }],
    schedule: [
      { at: 0.5e9, do: "disk", machine: "m", fault: { eio: [{ first: 0, last: 9 }] } },
      { at: 2e9, do: "restart", machine: "m" },
      {
        at: 3e9,
        do: "call",
        name: "look",
        fn: (w) => seen.push(JSON.stringify(w.node("m").disks[0].config())),
      },
    ],
    timeLimitNs: 4e9,
  });
  assert.equal(r.endedBy, "time-limit");
  assert.equal(r.out.match(/^m: ld0 at pci0 dev 4 function 0/gm)?.length, 2, r.out);
  assert.match(r.out, /^m: ld0: 2 MB, 4096 sectors/m);
  assert.deepEqual(seen, ['{"eio":[{"first":0,"last":9}]}'], "the faults outlive the restart");
});

Deno.test("scenario: every fault enabled, the same seed gives the same console, pcap and trace", async () => {
  const s: Scenario = {
    ...counterRetry,
    links: [{
      kind: "wire",
      machines: ["server", "client"],
      latencyNs: 1e6,
      fault: {
        loss: 0.02,
        duplicate: 0.02,
        reorder: 0.05,
        reorderDelayNs: 2e6,
        corrupt: 0.01,
        jitterNs: 500e3,
        latencyNs: 1e6,
        bandwidthBps: 10e6,
        queueLimit: 50,
      },
    }],
  };
  const { diffs, first } = await checkDeterminism((k) =>
    runScenario(s, { seed: 9, console: k.console, pcap: k.pcap, trace: k.tracer })
  );
  assert.deepEqual(diffs, []);
  assert.ok(first.pcap.length > 2000 && first.trace.length > 10000);
});

Deno.test("scenario: a malformed scenario is refused with one line", () => {
  const m = { name: "a", image: server };
  const bad = (s: Partial<Scenario>, re: RegExp) =>
    assert.throws(() => validateScenario({ name: "x", machines: [m], ...s } as Scenario), re);
  bad({ machines: [] }, /^Error: scenario x: has no machines$/);
  bad({ machines: [m, m] }, /machine name "a" is empty or repeated/);
  bad({ links: [{ kind: "wire", machines: ["a"] }] }, /a wire joins two machines/);
  bad({ links: [{ kind: "switch", machines: ["b"] }] }, /link switch: no machine "b"/);
  bad({ capture: "z" }, /capture: no machine "z"/);
  bad({ timeLimitNs: 0 }, /timeLimitNs must be positive/);
  bad({ machines: [{ ...m, fault: { loss: 2 } }] }, /loss: 2 is not a probability/);
});

Deno.test("scenario: the shipped httpd image serves wget with faults, the same bytes twice", async () => {
  const { image: httpd } = await import("../../images/httpd.ts");
  const { wget } = await import("../../apps/wget.ts");
  const s: Scenario = {
    name: "httpd-wget",
    machines: [
      { name: "server", image: at("10.0.0.1", httpd, "server"), wait: false },
      {
        name: "client",
        image: {
          name: "wget-client",
          description: "wget",
          components: client.components,
          apps: [
            { app: wget, argv: ["-t", "100", "http://10.0.0.1/"] },
            { app: wget, argv: ["-q", "http://10.0.0.1/big.bin"] },
          ],
          config: at("10.0.0.2", client, "client").config,
        },
      },
    ],
    links: [{
      kind: "wire",
      machines: ["server", "client"],
      fault: { loss: 0.02, duplicate: 0.02, reorder: 0.05, corrupt: 0.01, jitterNs: 100e3 },
    }],
    invariants: [exitStatus("client"), consoleMatches("server", /"GET \/big\.bin HTTP\/1\.1" 200/)],
  };
  const { diffs, value, first } = await checkDeterminism((k) =>
    runScenario(s, { seed: 3, console: k.console, pcap: k.pcap, trace: k.tracer })
  );
  assert.deepEqual(value.failures, [], new TextDecoder().decode(first.console).slice(-1500));
  assert.deepEqual(diffs, []);
});

Deno.test({
  name:
    "scenario: a file the guest wrote to its ext2 disk is checked; a crash before the sync loses it",
  ignore: !(await import("../fs/ext2/e2fs_tools.ts")).HAVE_E2FSPROGS,
  async fn() {
    const { makeImage } = await import("../fs/ext2/e2fs_tools.ts");
    const { image: shell } = await import("../../images/shell.ts");
    const { fileContent } = await import("../../rumprun/scenario.ts");
    const img = await makeImage(async () => {}, { blockSize: 1024, blocks: 2048 });
    const writer = (script: string): Image => ({
      ...shell,
      interactive: false,
      apps: [{ app: shell.apps[0].app, argv: ["-c", script] }],
      config: {
        ...shell.config,
        blk: [{ source: "ld0", path: "/mnt", fstype: "ext2", readonly: false }],
      },
    });
    const s = (script: string, extra: Partial<Scenario> = {}): Scenario => ({
      name: "disk-file",
      machines: [{ name: "m", image: writer(script), disks: [{ bytes: img.bytes }] }],
      invariants: [fileContent("m", 0, "/note", "kept\n")],
      ...extra,
    });
    const ok = await run(s("echo kept > /mnt/note"));
    assert.deepEqual(ok.failures, [], ok.out.slice(-800));
    const wrong = await run(s("echo other > /mnt/note"));
    assert.deepEqual(wrong.failures, [
      `m ld0:/note: holds 6 bytes "other\\n", not the 5 expected`,
    ]);
    // The machine crashes while it sleeps, before the halt's unmount writes the data back.
    const lost = await run(s("echo kept > /mnt/note; sleep 5", {
      machines: [{
        name: "m",
        image: writer("echo kept > /mnt/note; sleep 5"),
        disks: [{ bytes: img.bytes }],
        wait: false,
      }],
      schedule: [{ at: 2e9, do: "crash", machine: "m" }],
      timeLimitNs: 3e9,
    }));
    assert.equal(lost.endedBy, "time-limit");
    assert.equal(lost.failures.length, 1, lost.out.slice(-800));
    assert.match(
      lost.failures[0],
      /^m ld0:\/note: cannot read it: ext2: no "note" in directory 2: No such file or directory$/,
    );
  },
});
