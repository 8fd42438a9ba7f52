/**
 * c_resolver_test.ts — a C program's getaddrinfo/gethostbyname/getnameinfo go through the
 * system's stub resolver (kernel/syscall/resolv.ts, the `rumpsim` import module's
 * resolver calls): on the user network in virtual time, a name only the gateway's DNS
 * (10.0.2.3) knows resolves, an unknown one is EAI_NONAME, and a resolv.conf naming a
 * server that is not there gives EAI_AGAIN.
 */
import assert from "node:assert/strict";
import { bootPosixNet, programC, results } from "./support.ts";

const HOSTS = { "db.example.test": "10.0.2.77" };

Deno.test("C resolver.c: a name only the user network's DNS knows resolves; an unknown one is EAI_NONAME", async () => {
  const r = await bootPosixNet(await programC("resolver"), [], HOSTS);
  assert.deepEqual(results(r.console), [
    "ok getaddrinfo db.example.test: 10.0.2.77 canon db.example.test",
    "ok unknown name: EAI_NONAME, HOST_NOT_FOUND",
    "ok gethostbyname db.example.test",
    "ok getnameinfo",
  ], r.console);
  assert.equal(r.status, 0);
  // Every name not in /etc/hosts was a query the gateway answered: 2 A for db (one
  // upper-case), 2 NXDOMAIN for nowhere, 1 A for gethostbyname, 2 PTR for 10.0.2.77.
  assert.equal(r.dns.answered, 7);
  // Same seed, same bytes (query IDs come from the seeded getrandom).
  const again = await bootPosixNet(await programC("resolver"), [], HOSTS);
  assert.equal(again.console, r.console);
});

Deno.test("C resolver.c: with no name server reachable getaddrinfo is EAI_AGAIN, /etc/hosts still answers", async () => {
  const r = await bootPosixNet(await programC("resolver"), ["unreachable"], HOSTS);
  assert.equal(r.status, 0, r.console);
  assert.match(results(r.console)[0], /^ok unreachable: EAI_AGAIN after [0-9.]+ s$/);
  assert.equal(r.dns.answered, 0);
});
