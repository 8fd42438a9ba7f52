/**
 * text_tools_test.ts — the text and system tools (head, tail, grep, wc, sort, uniq,
 * printf, date, sleep, env, uname, ps, hostname, kill, true, false), ls -R, and the /dev
 * devices, run through sh: each one's normal use and its failures, with the messages and
 * exit statuses of their NetBSD counterparts.
 */
import assert from "node:assert/strict";
import { shc } from "./sh_harness.ts";

function check(script: string, out: string, status = 0) {
  const r = shc(script);
  assert.equal(r.out, out, script);
  assert.equal(r.status, status, `${script}: status`);
}

const NUMS = "printf '1\\n2\\n3\\n4\\n5\\n6\\n7\\n8\\n9\\n10\\n11\\n12\\n' > /tmp/n; ";

Deno.test("head: the first 10 lines, -n N, -N, -c N; headers for several files", () => {
  check(NUMS + "head /tmp/n | wc -l", "      10\n");
  check(NUMS + "head -n 2 /tmp/n; head -3 /tmp/n | tail -n 1; head -c 3 /tmp/n", "1\n2\n3\n1\n2");
  check(
    NUMS + "echo x > /tmp/x; head -n 1 /tmp/n /tmp/x",
    "==> /tmp/n <==\n1\n\n==> /tmp/x <==\nx\n",
  );
  check("head -n x /tmp/n", "head: illegal line count -- x\n", 1);
  check("head /nope; echo $?", "head: /nope: No such file or directory\n1\n");
});

Deno.test("tail: the last 10 lines, -n N, -n +N, -c N", () => {
  check(NUMS + "tail /tmp/n | head -n 1", "3\n");
  check(NUMS + "tail -n 2 /tmp/n; tail -n +11 /tmp/n; tail -c 3 /tmp/n", "11\n12\n11\n12\n12\n");
  check("printf 'a\\nb' | tail -n 1", "b");
  check("tail -n z /tmp/n", "tail: illegal offset -- z\n", 1);
  check("tail /nope", "tail: /nope: No such file or directory\n", 1);
});

Deno.test("grep: BRE by default, -E, -F, -i, -v, -c, -n, -l, -q, -x; status 0/1/2", () => {
  const f = "printf 'apple\\nBanana\\ncherry\\na.b\\n' > /tmp/g; ";
  check(f + "grep an /tmp/g; grep -i b /tmp/g", "Banana\nBanana\na.b\n");
  check(f + "grep -v a /tmp/g; grep -c a /tmp/g; grep -n rr /tmp/g", "cherry\n3\n3:cherry\n");
  check(
    f + "grep -F a.b /tmp/g; grep 'a\\.b' /tmp/g; grep -E 'pp|rr' /tmp/g",
    "a.b\na.b\napple\ncherry\n",
  );
  check(f + "grep 'p\\{2\\}' /tmp/g; grep 'x|y' /tmp/g; echo $?", "apple\n1\n");
  check(f + "grep -x apple /tmp/g; grep -x app /tmp/g; echo $?", "apple\n1\n");
  check(
    f + "grep -l err /tmp/g /tmp/g; grep -q cherry /tmp/g && echo found",
    "/tmp/g\n/tmp/g\nfound\n",
  );
  check(
    f + "grep a /tmp/g /nope",
    "/tmp/g:apple\n/tmp/g:Banana\n/tmp/g:a.b\ngrep: /nope: No such file or directory\n",
    2,
  );
  check("grep 'a[' /tmp/g", "grep: brackets ([ ]) not balanced\n", 2);
  check("grep", "usage: grep [-EFcilnqsvx] [-e pattern] pattern [file ...]\n", 2);
});

Deno.test("wc: lines, words and bytes in 8 columns; -l -w -c; a total", () => {
  check(
    "printf 'a b\\nc\\n' > /tmp/w; wc /tmp/w; wc -l < /tmp/w",
    "       2       3       6 /tmp/w\n       2\n",
  );
  check(
    "echo x > /tmp/a; wc -c /tmp/a /tmp/a",
    "       2 /tmp/a\n       2 /tmp/a\n       4 total\n",
  );
  check("wc /nope", "wc: /nope: No such file or directory\n", 1);
});

Deno.test("sort: bytewise, -n, -r, -u", () => {
  check("printf 'b\\nB\\na\\n' | sort", "B\na\nb\n");
  check(
    "printf '10\\n9\\n-1\\n' | sort -n; printf 'a\\nc\\nb\\n' | sort -r",
    "-1\n9\n10\nc\nb\na\n",
  );
  check("printf 'x\\ny\\nx\\n' | sort -u", "x\ny\n");
  check("sort /nope", "sort: /nope: No such file or directory\n", 2);
});

Deno.test("uniq: adjacent repeats; -c, -d, -u", () => {
  const f = "printf 'a\\na\\nb\\na\\n' > /tmp/u; ";
  check(f + "uniq /tmp/u; uniq -c /tmp/u", "a\nb\na\n   2 a\n   1 b\n   1 a\n");
  check(f + "uniq -d /tmp/u; uniq -u /tmp/u", "a\nb\na\n");
  check("uniq /nope", "uniq: /nope: No such file or directory\n", 1);
});

Deno.test("printf: conversions, widths, escapes, reuse of the format", () => {
  check(
    "printf '%s=%d|%5s|%-3s|%03d|%x|%o|%c|%%\\n' a 42 r l 7 255 8 xyz",
    "a=42|    r|l  |007|ff|10|x|%\n",
  );
  check("printf '%s\\n' a b c", "a\nb\nc\n");
  check("printf '%b' 'x\\ty\\n'; printf '%.2f\\n' 3.14159", "x\ty\n3.14\n");
  check("printf '%d\\n' abc", "0\nprintf: abc: expected numeric value\n", 1);
  check("printf", "usage: printf format [arg ...]\n", 1);
});

Deno.test("date: the simulated wall clock in NetBSD's format, +format, -r", () => {
  check("date", "Mon Jan  1 00:00:00 UTC 2024\n");
  check("date '+%Y-%m-%d %H:%M:%S %j %s'", "2024-01-01 00:00:00 001 1704067200\n");
  check("date -r 0 +%F", "1970-01-01\n");
  check(
    "date 0101",
    "date: setting the time is not supported\nusage: date [-u] [-r seconds] [+format]\n",
    1,
  );
});

Deno.test("sleep: sleeps on the simulated clock; a bad interval is an error", () => {
  check("sleep 2; date +%S; sleep 0.5; date +%S", "02\n02\n");
  check("sleep x", "sleep: invalid time interval: x\nusage: sleep seconds\n", 1);
  check("sleep", "sleep: missing operand\nusage: sleep seconds\n", 1);
});

Deno.test("env: prints the environment; -i and NAME=VALUE run a tool in a new one", () => {
  check("env", "HOME=/\nPATH=/bin\n");
  check("env -i A=1 env; env B=2 env | grep B", "A=1\nB=2\n");
  check("env nosuch", "env: nosuch: No such file or directory\n", 127);
  check("env false; echo $?", "1\n");
});

Deno.test("uname, hostname: the system's names", () => {
  check("uname; uname -n; uname -sr", "NetBSD\nrumpsim-hosted\nNetBSD 10.0\n");
  check("hostname", "rumpsim-hosted\n");
  check("uname -q", "uname: unknown option -- q\nusage: uname [-amnrsv]\n", 1);
  check(
    "hostname new",
    "hostname: setting the host name is not supported\nusage: hostname [-s]\n",
    1,
  );
});

Deno.test("ps: every process with its parent, state and command", () => {
  check(
    "sleep 5 & ps",
    "  PID  PPID STAT WCHAN    COMMAND\n" +
      "    1     0 S    procexit sh -c sleep 5 & ps\n" +
      "    2     1 S    -        sleep 5\n" +
      "    3     1 R    -        ps\n",
  );
});

Deno.test("kill: ends a blocked process with 128 + the signal; errors for bad pids and signals", () => {
  check("sleep 100 | cat & kill $!; wait $!; echo $?", "143\n");
  check("sleep 100 | cat & kill -s KILL $!; wait $!; echo $?", "137\n");
  // A sleep takes the signal when its current one-second slice ends (kern_time.ts).
  check("sleep 5 & kill -INT $!; wait $!; echo $?; date +%S", "130\n01\n");
  check("kill 99", "kill: 99: No such process\n", 1);
  check(
    "kill -FOO 1",
    "kill: unknown signal: FOO\nusage: kill [-s signal_name | -signal_name | -signal_number] pid ...\n       kill -l\n",
    1,
  );
  check("kill -l", "HUP INT QUIT KILL PIPE ALRM TERM STOP USR1 USR2\n");
});

Deno.test("true and false as tools (env runs them, not the builtins)", () => {
  check("env true; echo $?; env false; echo $?", "0\n1\n");
});

Deno.test("ls -R: each directory after its parent under a header", () => {
  check(
    "mkdir -p /tmp/r/a/b /tmp/r/c; touch /tmp/r/a/f; ls -R /tmp/r",
    "a\nc\n\n/tmp/r/a:\nb\nf\n\n/tmp/r/a/b:\n\n/tmp/r/c:\n",
  );
});

Deno.test("/dev/null discards and reads empty; /dev/zero reads zeros; both are devices", () => {
  check("echo gone > /dev/null; cat /dev/null | wc -c; echo x >> /dev/null", "       0\n");
  check("head -c 100000 /dev/zero | wc -c; head -c 3 /dev/zero | grep -c .", "  100000\n1\n");
  check(
    "ls -l /dev",
    "total 0\ncrw-rw-rw-  1 root  wheel  0 Jan  1 00:00 null\ncrw-rw-rw-  1 root  wheel  0 Jan  1 00:00 zero\n",
  );
  check("[ -c /dev/zero ] && echo chr", "chr\n");
  check("rm /dev/null", "rm: /dev/null: Operation not permitted\n", 1);
  check("touch /dev/new", "touch: /dev/new: Operation not permitted\n", 1);
});
