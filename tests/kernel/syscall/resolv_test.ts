/**
 * resolv_test.ts — the libc's stub resolver (kernel/syscall/resolv.ts) on real sockets of
 * two kernels in virtual time: /etc/hosts first, then scripted name servers that answer,
 * stay silent, answer for another query, cut their answer (TC), fail, or are not there;
 * the retry schedule, the h_errno of each case, and wget fetching a page by name.
 */
import assert from "node:assert/strict";
import {
  type App,
  CLOCK_MONOTONIC,
  gethostbyaddr,
  gethostbyname,
  HOST_NOT_FOUND,
  HostError,
  NO_DATA,
  NO_RECOVERY,
  O_CREAT,
  O_TRUNC,
  O_WRONLY,
  SOCK_DGRAM,
  TRY_AGAIN,
} from "../../../kernel/syscall/api.ts";
import { AF_INET } from "../../../kernel/syscall/api.ts";
import { parseResolvConf } from "../../../kernel/syscall/resolv.ts";
import { answerDns, parseDnsQuery } from "../../../slirp/dns.ts";
import { wget } from "../../../apps/wget.ts";
import { httpd } from "../../../apps/httpd/main.ts";
import { runApps, runAppsOnTwo } from "../../apps/app_harness.ts";

const enc = new TextEncoder();

/** `writefile PATH TEXT`. */
const writefile: App = {
  name: "writefile",
  *main(sys, argv) {
    try {
      yield* sys.mkdir("/etc", 0o755);
    } catch { /* there */ }
    const fd = yield* sys.open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0o644);
    yield* sys.write(fd, enc.encode(argv[2]));
    yield* sys.close(fd);
    return 0;
  },
};

/** What `lookup NAME` found, by call, in order. */
type Found = { addrs: string[]; name: string; ms: number } | { h_errno: number; ms: number };

function lookupApp(found: Found[]): App {
  return {
    name: "lookup",
    *main(sys, argv) {
      const t0 = sys.clock_gettime(CLOCK_MONOTONIC);
      const ms = () => {
        const t = sys.clock_gettime(CLOCK_MONOTONIC);
        return (t.sec - t0.sec) * 1000 + Math.round((t.nsec - t0.nsec) / 1e6);
      };
      try {
        const h = argv[1] === "-x"
          ? yield* gethostbyaddr(sys, argv[2])
          : yield* gethostbyname(sys, argv[1]);
        found.push({ addrs: h.addrs, name: h.name, ms: ms() });
        return 0;
      } catch (e) {
        if (!(e instanceof HostError)) throw e;
        found.push({ h_errno: e.h_errno, ms: ms() });
        return 1;
      }
    },
  };
}

/**
 * A name server on ADDR:53 whose replies `script` decides: for the n-th query (from 0) the
 * datagrams to send back (none: it stays silent).
 */
function serverApp(
  name: string,
  addr: string,
  script: (query: Uint8Array, n: number) => Uint8Array[],
  seen: Uint8Array[],
): App {
  return {
    name,
    *main(sys) {
      const fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
      sys.bind(fd, { addr, port: 53 });
      const buf = new Uint8Array(1500);
      for (;;) {
        const r = yield* sys.recvfrom(fd, buf, 0);
        const q = buf.slice(0, r.n);
        seen.push(q);
        for (const reply of script(q, seen.length - 1)) yield* sys.sendto(fd, reply, 0, r.from);
      }
    },
  };
}

const MAP = { "db.example.test": "10.9.8.7", "noaddr.example.test": "10.9.8.6" };
const answer = (q: Uint8Array) => answerDns(MAP, q)!;
/** `answer` with its header changed by `f`. */
const patched = (q: Uint8Array, f: (b: Uint8Array) => void) => {
  const b = answer(q).slice();
  f(b);
  return b;
};

Deno.test("resolv.conf: nameserver lines (three at most), timeout and attempts options", () => {
  assert.deepEqual(
    parseResolvConf(
      "# comment\nnameserver 10.0.2.3\nnameserver bogus\nsearch x\nnameserver 1.1.1.1\n" +
        "nameserver 2.2.2.2\nnameserver 3.3.3.3\noptions timeout:1 attempts:3 ndots:2\n",
    ),
    { nameservers: ["10.0.2.3", "1.1.1.1", "2.2.2.2"], timeout: 1, attempts: 3 },
  );
  assert.deepEqual(parseResolvConf(""), { nameservers: [], timeout: 5, attempts: 2 });
});

Deno.test("resolver: /etc/hosts first; no resolv.conf means no DNS: an unknown name is HOST_NOT_FOUND at once", () => {
  const found: Found[] = [];
  const run = runApps([writefile, lookupApp(found)], function* (c) {
    const r = [];
    yield* c.run(["writefile", "/etc/hosts", "127.0.0.1 localhost\n10.1.1.1 one.test one # x\n"]);
    r.push(yield* c.run(["lookup", "ONE"]));
    r.push(yield* c.run(["lookup", "10.2.3.4"]));
    r.push(yield* c.run(["lookup", "nowhere.test"]));
    r.push(yield* c.run(["lookup", "-x", "10.1.1.1"]));
    r.push(yield* c.run(["lookup", "-x", "10.1.1.2"]));
    return r;
  });
  assert.deepEqual(run.value, [0, 0, 1, 0, 1]);
  assert.deepEqual(found, [
    { addrs: ["10.1.1.1"], name: "one.test", ms: 0 },
    { addrs: ["10.2.3.4"], name: "10.2.3.4", ms: 0 },
    { h_errno: HOST_NOT_FOUND, ms: 0 },
    { addrs: ["10.1.1.1"], name: "one.test", ms: 0 },
    { h_errno: HOST_NOT_FOUND, ms: 0 },
  ]);
});

/**
 * Kernel A (10.0.0.1) looks `names` up with `conf` as its resolv.conf; kernel B (10.0.0.2)
 * runs a name server with `scriptB`, and A one on 127.0.0.1 with `scriptA` (null: none).
 */
function scenario(
  conf: string,
  scriptB: ((q: Uint8Array, n: number) => Uint8Array[]) | null,
  scriptA: ((q: Uint8Array, n: number) => Uint8Array[]) | null,
  names: string[][],
) {
  const found: Found[] = [];
  const seenA: Uint8Array[] = [], seenB: Uint8Array[] = [];
  const apps = [
    writefile,
    lookupApp(found),
    serverApp("nsA", "127.0.0.1", scriptA ?? (() => []), seenA),
    serverApp("nsB", "10.0.0.2", scriptB ?? (() => []), seenB),
  ];
  const run = runAppsOnTwo(
    apps,
    function* (c) {
      yield* c.run(["writefile", "/etc/resolv.conf", conf]);
      if (scriptA) c.start(["nsA"]);
      yield* c.sleepMs(1);
      const st: number[] = [];
      for (const n of names) st.push(yield* c.run(["lookup", ...n]));
      return st;
    },
    function* (c) {
      if (scriptB) c.start(["nsB"]);
      return 0;
    },
  );
  return { status: run.valueA, found, seenA, seenB, run };
}

Deno.test("resolver: a name only the DNS knows resolves; NXDOMAIN is HOST_NOT_FOUND, a name without A NO_DATA", () => {
  // noaddr: the name exists but has no A record (NOERROR, no answer).
  const script = (q: Uint8Array) => [
    parseDnsQuery(q)!.name === "noaddr.example.test"
      ? patched(q, (b) => {
        b[3] &= 0xf0;
        b[7] = 0;
      }).subarray(0, q.length)
      : answer(q),
  ];
  const s = scenario("nameserver 10.0.0.2\n", script, null, [
    ["db.example.test"],
    ["Db.Example.Test."],
    ["nowhere.example.test"],
    ["noaddr.example.test"],
  ]);
  assert.deepEqual(s.status, [0, 0, 1, 1]);
  assert.deepEqual(s.found.map((f) => "addrs" in f ? [f.addrs, f.name] : f.h_errno), [
    [["10.9.8.7"], "db.example.test"],
    [["10.9.8.7"], "db.example.test"],
    HOST_NOT_FOUND,
    NO_DATA,
  ]);
  // Each query: a fresh ID from the seeded getrandom, RD, the lower-cased name, A IN.
  const q = parseDnsQuery(s.seenB[1])!;
  assert.equal(q.name, "db.example.test");
  assert.equal(q.flags, 0x0100);
  assert.notEqual(parseDnsQuery(s.seenB[0])!.id, q.id);
});

Deno.test("resolver: a lost query is sent again after the timeout; a datagram with another ID is ignored", () => {
  const s = scenario(
    "nameserver 10.0.0.2\noptions timeout:2 attempts:3\n",
    (q, n) => n === 0 ? [] : [patched(q, (b) => (b[1] ^= 1)), answer(q)],
    null,
    [["db.example.test"]],
  );
  assert.deepEqual(s.status, [0]);
  assert.equal(s.seenB.length, 2);
  // The first try waited its 2 s; the answer to the second came at once.
  const f = s.found[0] as { ms: number; addrs: string[] };
  assert.deepEqual(f.addrs, ["10.9.8.7"]);
  assert.ok(f.ms >= 2000 && f.ms < 2100, `${f.ms} ms`);
});

Deno.test("resolver: a server that never answers: TRY_AGAIN after each try's timeout (timeout << try)", () => {
  const s = scenario(
    "nameserver 10.0.0.2\noptions timeout:1 attempts:3\n",
    () => [],
    null,
    [["db.example.test"]],
  );
  assert.deepEqual(s.status, [1]);
  assert.equal(s.seenB.length, 3);
  const f = s.found[0] as { h_errno: number; ms: number };
  assert.equal(f.h_errno, TRY_AGAIN);
  // 1 s + 2 s + 4 s, and the first ARP exchange.
  assert.ok(f.ms >= 7000 && f.ms < 7100, `${f.ms} ms`);
});

Deno.test("resolver: a refusing server (port unreachable) is skipped at once; no server left is TRY_AGAIN", () => {
  const s = scenario(
    "nameserver 127.0.0.1\nnameserver 10.0.0.2\n",
    (q) => [answer(q)],
    null,
    [["db.example.test"]],
  );
  assert.deepEqual(s.status, [0]);
  assert.ok((s.found[0] as { ms: number }).ms < 100);
  const alone = scenario("nameserver 127.0.0.1\n", null, null, [["db.example.test"]]);
  assert.deepEqual(alone.found.map((f) => "h_errno" in f && f.h_errno), [TRY_AGAIN]);
  assert.ok(alone.found[0].ms < 100);
});

Deno.test("resolver: a truncated answer is refused and the next server asked; SERVFAIL is TRY_AGAIN, REFUSED NO_RECOVERY", () => {
  const tc = scenario(
    "nameserver 127.0.0.1\nnameserver 10.0.0.2\n",
    (q) => [answer(q)],
    (q) => [patched(q, (b) => (b[2] |= 0x02))],
    [["db.example.test"]],
  );
  assert.deepEqual(tc.status, [0]);
  assert.equal(tc.seenA.length, 1);
  assert.equal(tc.seenB.length, 1);
  const rcode = (r: number) => (q: Uint8Array) => [patched(q, (b) => (b[3] = (b[3] & 0xf0) | r))];
  const fail = scenario("nameserver 10.0.0.2\n", rcode(2), null, [["db.example.test"]]);
  assert.deepEqual(fail.found.map((f) => "h_errno" in f && f.h_errno), [TRY_AGAIN]);
  assert.equal(fail.seenB.length, 1); // not asked again
  const refused = scenario("nameserver 10.0.0.2\n", rcode(5), null, [["db.example.test"]]);
  assert.deepEqual(refused.found.map((f) => "h_errno" in f && f.h_errno), [NO_RECOVERY]);
  // A malformed answer (a pointer loop in the record) is ignored like a stray datagram.
  const loop = scenario(
    "nameserver 10.0.0.2\noptions timeout:1 attempts:1\n",
    (q) => [patched(q, (b) => b.set([0xc0, b.length - 16 + 0], b.length - 16))],
    null,
    [["db.example.test"]],
  );
  assert.deepEqual(loop.found.map((f) => "h_errno" in f && f.h_errno), [TRY_AGAIN]);
});

Deno.test("wget: fetches a page by name through the resolver and the DNS on the other kernel", () => {
  const site: App = {
    name: "mksite",
    *main(sys) {
      yield* sys.mkdir("/www", 0o755);
      const fd = yield* sys.open("/www/index.html", O_WRONLY | O_CREAT, 0o644);
      yield* sys.write(fd, enc.encode("<html>served to a name</html>\n"));
      yield* sys.close(fd);
      return 0;
    },
  };
  const seen: Uint8Array[] = [];
  const dns = serverApp(
    "dns",
    "10.0.0.2",
    (q) => [answerDns({ "www.test": "10.0.0.2" }, q)!],
    seen,
  );
  const run = runAppsOnTwo(
    [wget, httpd, site, dns, writefile],
    function* (c) {
      yield* c.run(["writefile", "/etc/resolv.conf", "nameserver 10.0.0.2\n"]);
      yield* c.sleepMs(5);
      return [
        yield* c.run(["wget", "-t", "100", "http://www.test/"]),
        yield* c.run(["wget", "http://nowhere.test/"]),
      ];
    },
    function* (c) {
      yield* c.run(["mksite"]);
      c.start(["httpd"]);
      c.start(["dns"]);
      return 0;
    },
  );
  assert.deepEqual(run.valueA, [0, 4]);
  assert.match(run.consoleA, /HTTP\/1\.1 200 OK\n/);
  assert.match(run.consoleA, /<html>served to a name<\/html>/);
  assert.match(run.consoleA, /wget: cannot resolve nowhere\.test: nowhere\.test: Unknown host/);
  assert.match(run.consoleB, /"GET \/ HTTP\/1\.1" 200/);
  assert.equal(seen.length, 2);
});
