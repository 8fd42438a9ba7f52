import assert from "node:assert/strict";
import {
  civilFromMs,
  daysFromCivil,
  formatHttpDate,
  parseHttpDate,
} from "../../../apps/httpd/date.ts";

// RFC 9110 §5.6.7's example instant: Sun, 06 Nov 1994 08:49:37 GMT.
const EXAMPLE = 784111777000;
const NOW = 1_750_000_000_000; // June 2025

Deno.test("date: formats the RFC example as IMF-fixdate", () => {
  assert.equal(formatHttpDate(EXAMPLE), "Sun, 06 Nov 1994 08:49:37 GMT");
});

Deno.test("date: formats the epoch, leap days, and drops milliseconds", () => {
  assert.equal(formatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  assert.equal(formatHttpDate(951782400000), "Tue, 29 Feb 2000 00:00:00 GMT");
  assert.equal(formatHttpDate(EXAMPLE + 999), "Sun, 06 Nov 1994 08:49:37 GMT");
  assert.equal(formatHttpDate(-1000), "Wed, 31 Dec 1969 23:59:59 GMT");
  assert.equal(formatHttpDate(253402300799000), "Fri, 31 Dec 9999 23:59:59 GMT");
});

Deno.test("date: the calendar agrees with Date for a sweep of instants", () => {
  for (let ms = -5e12; ms < 5e12; ms += 7_777_777_777) {
    const d = new Date(ms);
    assert.equal(formatHttpDate(ms), d.toUTCString(), String(ms));
    const c = civilFromMs(ms);
    assert.equal(daysFromCivil(c.year, c.month, c.day), Math.floor(ms / 86400000));
  }
});

Deno.test("date: parses all three formats of the RFC example to the same instant", () => {
  assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", NOW), EXAMPLE);
  assert.equal(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", NOW), EXAMPLE);
  assert.equal(parseHttpDate("Sun Nov  6 08:49:37 1994", NOW), EXAMPLE);
  assert.equal(parseHttpDate("Sun Nov 16 08:49:37 1994", NOW), EXAMPLE + 10 * 86400000);
});

Deno.test("date: format then parse is the identity on whole seconds", () => {
  for (let ms = 0; ms < 4e12; ms += 123_456_789_000) {
    assert.equal(parseHttpDate(formatHttpDate(ms), NOW), ms);
  }
});

Deno.test("date: rfc850 two-digit years more than 50 years ahead fall in the past century", () => {
  const ms = (y: string) => parseHttpDate(`Thursday, 01-Jan-${y} 00:00:00 GMT`, NOW);
  assert.equal(formatHttpDate(ms("70")!), "Wed, 01 Jan 2070 00:00:00 GMT");
  assert.equal(formatHttpDate(ms("25")!), "Wed, 01 Jan 2025 00:00:00 GMT");
  assert.equal(formatHttpDate(ms("75")!), "Tue, 01 Jan 2075 00:00:00 GMT");
  assert.equal(formatHttpDate(ms("76")!), "Thu, 01 Jan 1976 00:00:00 GMT");
});

Deno.test("date: a day-name that does not match the date is accepted", () => {
  assert.equal(parseHttpDate("Mon, 06 Nov 1994 08:49:37 GMT", NOW), EXAMPLE);
});

Deno.test("date: invalid dates are null", () => {
  for (
    const s of [
      "",
      "garbage",
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "Sun, 06 Nov 1994 08:49:37 gmt",
      "sun, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 nov 1994 08:49:37 GMT",
      "Sun, 6 Nov 1994 08:49:37 GMT",
      "Sun,  06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 08:49:37 GMT ",
      " Sun, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 94 08:49:37 GMT",
      "Sun, 31 Nov 1994 08:49:37 GMT",
      "Sun, 29 Feb 1900 08:49:37 GMT",
      "Sun, 00 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 08:60:00 GMT",
      "Sun, 06 Nov 1994 08:49:61 GMT",
      "Sun, 06 Nov 1994 8:49:37 GMT",
      "Sun, 06 Foo 1994 08:49:37 GMT",
      "Sunday, 06-Nov-1994 08:49:37 GMT",
      "Sun, 06-Nov-94 08:49:37 GMT",
      "Sun Nov 6 08:49:37 1994",
      "Sun Nov  6 08:49:37 94",
      "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
      "Sun, ٠6 Nov 1994 08:49:37 GMT",
    ]
  ) {
    assert.equal(parseHttpDate(s, NOW), null, s);
  }
});

Deno.test("date: leap days parse only in leap years", () => {
  assert.notEqual(parseHttpDate("Tue, 29 Feb 2000 00:00:00 GMT", NOW), null);
  assert.notEqual(parseHttpDate("Thu, 29 Feb 2024 00:00:00 GMT", NOW), null);
  assert.equal(parseHttpDate("Sat, 29 Feb 2025 00:00:00 GMT", NOW), null);
});

Deno.test("date: formatHttpDate stays right while it remembers recent seconds", () => {
  // Date and Last-Modified alternate; repeats within a second and jumps back must all format afresh.
  const times = [
    0,
    999,
    1000,
    1500,
    86_400_000 + 1,
    999,
    1000,
    784111777000,
    784111777999,
    0,
    1704067200123,
  ];
  for (let round = 0; round < 3; round++) {
    for (const ms of times) assert.equal(formatHttpDate(ms), new Date(ms).toUTCString());
  }
});
