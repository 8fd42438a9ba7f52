/**
 * resolv_msg_test.ts — the stub resolver's DNS messages (RFC 1035 §4.1) as bytes: the
 * query it writes, names with compression pointers (and loops refused), answers checked
 * against their query, truncated and malformed answers.
 */
import assert from "node:assert/strict";
import {
  answerData,
  dn_expand,
  NXDOMAIN,
  parseAnswer,
  type Question,
  res_mkquery,
  T_A,
  T_CNAME,
  T_PTR,
} from "../../../kernel/syscall/resolv_msg.ts";
import { answerDns } from "../../../slirp/dns.ts";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!, (h) => parseInt(h, 16));
const Q: Question = { id: 0xbeef, name: "db.example.test", qtype: T_A, qclass: 1 };

// The query: ID beef, RD, one question db.example.test A IN.
const QUERY = hex(`
  beef 0100 0001 0000 0000 0000
  02 6462 07 6578616d706c65 04 74657374 00 0001 0001`);

// Its answer: QR AA RD RA, the question, a CNAME db -> www.example.test (www + pointer to
// "example.test" at 15), an A record for www (a pointer to the CNAME's RDATA at 45).
const ANSWER = hex(`
  beef 8580 0001 0002 0000 0000
  02 6462 07 6578616d706c65 04 74657374 00 0001 0001
  c00c 0005 0001 0000003c 0006 03 777777 c00f
  c02d 0001 0001 0000003c 0004 0a000263`);

Deno.test("resolv: the query is a header with RD and one question, byte for byte", () => {
  assert.deepEqual(res_mkquery(Q), QUERY);
  // The name's case is kept (the resolver lower-cases before); a trailing dot is the root.
  assert.deepEqual(
    res_mkquery({ ...Q, name: "DB.example.test." })!.subarray(12, 15),
    hex("024442"),
  );
  assert.equal(res_mkquery({ ...Q, name: "DB.example.test." })!.length, QUERY.length);
  assert.equal(res_mkquery({ ...Q, name: "a..b" }), null);
  assert.equal(res_mkquery({ ...Q, name: "x".repeat(64) + ".test" }), null);
  assert.equal(res_mkquery({ ...Q, name: ("x".repeat(63) + ".").repeat(4) + "test" }), null);
  assert.equal(res_mkquery({ ...Q, name: "sp ace.test" }), null);
});

Deno.test("resolv: an answer with compression pointers gives its records and follows the CNAME", () => {
  const a = parseAnswer(ANSWER, Q);
  assert.ok(typeof a !== "string", String(a));
  assert.equal(a.rcode, 0);
  assert.equal(a.authoritative, true);
  assert.deepEqual(a.answers, [
    { name: "db.example.test", type: T_CNAME, class: 1, ttl: 60, data: "www.example.test" },
    { name: "www.example.test", type: T_A, class: 1, ttl: 60, data: "10.0.2.99" },
  ]);
  assert.deepEqual(answerData(a, "DB.example.test.", T_A), {
    canonical: "www.example.test",
    data: ["10.0.2.99"],
  });
});

Deno.test("resolv: the user network's DNS answers are what the parser reads", () => {
  const yes = answerDns({ "db.example.test": "10.0.2.77" }, QUERY)!;
  const a = parseAnswer(yes, Q);
  assert.ok(typeof a !== "string");
  assert.deepEqual(answerData(a, Q.name, T_A).data, ["10.0.2.77"]);
  const no = parseAnswer(answerDns({}, QUERY)!, Q);
  assert.ok(typeof no !== "string");
  assert.equal(no.rcode, NXDOMAIN);
  assert.deepEqual(no.answers, []);
});

Deno.test("resolv: compression pointers that do not point back are refused (no loop)", () => {
  // A pointer to itself, at offset 2.
  assert.equal(dn_expand(hex("0000 c002"), 2), null);
  // Two pointers pointing at each other: 4 -> 6 forward.
  assert.equal(dn_expand(hex("0000 0000 c006 c004"), 4), null);
  // A label running into a pointer back to that label: "a" at 2, pointer at 4 -> 2.
  assert.equal(dn_expand(hex("0000 0161 c002"), 6), null);
  assert.equal(dn_expand(hex("0000 0161 c002"), 2), null);
  // A pointer back to an earlier name is fine; the reserved 0b01/0b10 types are not.
  assert.deepEqual(dn_expand(hex("0161 00 0162 c000"), 3), { name: "b.a", next: 7 });
  assert.equal(dn_expand(hex("41 00"), 0), null);
  assert.equal(dn_expand(hex("81 00"), 0), null);
  // Past the end; longer than 255 octets through pointers.
  assert.equal(dn_expand(hex("05 6162"), 0), null);
  assert.equal(dn_expand(hex("c0"), 0), null);
  // Names of 63-octet labels, each pointing at the one before: the fourth is 257 octets.
  const chain: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < 4; i++) {
    starts.push(chain.length);
    chain.push(63, ...new Array(63).fill(0x61));
    if (i === 0) chain.push(0);
    else chain.push(0xc0 | (starts[i - 1] >> 8), starts[i - 1] & 0xff);
  }
  assert.equal(dn_expand(Uint8Array.from(chain), starts[2])!.name.split(".").length, 3);
  assert.equal(dn_expand(Uint8Array.from(chain), starts[3]), null);
});

Deno.test("resolv: an answer for another query, malformed or cut is refused or marked", () => {
  assert.equal(parseAnswer(ANSWER.subarray(0, 11), Q), "shorter than a header");
  assert.equal(parseAnswer(QUERY, Q), "not a response");
  assert.equal(parseAnswer(ANSWER, { ...Q, id: 0xbeee }), "another ID");
  assert.equal(parseAnswer(ANSWER, { ...Q, name: "db.example.org" }), "another question");
  assert.equal(parseAnswer(ANSWER, { ...Q, qtype: T_PTR }), "another question");
  // The A record's RDLENGTH says 3; the record's fixed part is cut.
  const badA = ANSWER.slice();
  badA[badA.length - 5] = 3;
  assert.equal(parseAnswer(badA, Q), "A record of another length than 4");
  assert.equal(parseAnswer(ANSWER.subarray(0, ANSWER.length - 8), Q), "malformed record");
  // A record cut short without TC is malformed; with TC the whole records before it stand.
  const cut = ANSWER.subarray(0, ANSWER.length - 2);
  assert.equal(parseAnswer(cut, Q), "record past the end");
  const tc = cut.slice();
  tc[2] |= 0x02;
  const t = parseAnswer(tc, Q);
  assert.ok(typeof t !== "string");
  assert.equal(t.truncated, true);
  assert.equal(t.answers.length, 1);
  // A CNAME whose target name runs past its RDATA.
  const badCname = ANSWER.slice();
  badCname[44] = 5;
  assert.equal(parseAnswer(badCname, Q), "malformed name in a record");
});
