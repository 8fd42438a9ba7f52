import assert from "node:assert/strict";
import { runSh, shc } from "./sh_harness.ts";

Deno.test("sh: -c runs commands in order and exits with the last one's status", () => {
  const r = shc("echo one; echo two; false");
  assert.equal(r.out, "one\ntwo\n");
  assert.equal(r.status, 1);
  assert.equal(shc("false; true").status, 0);
});

Deno.test("sh: && runs on success, || on failure; $? is the last status", () => {
  const r = shc(
    "false && echo no; echo $?; true && echo yes; false || echo alt; true || echo never",
  );
  assert.equal(r.out, "1\nyes\nalt\n");
});

Deno.test("sh: quotes and escapes reach the command as single words", () => {
  const r = shc(`echo 'a  b' "c  d" e\\ \\ f "\\$HOME=$HOME"`);
  assert.equal(r.out, "a  b c  d e  f $HOME=/\n");
  assert.equal(shc("echo -n no newline").out, "no newline");
});

Deno.test("sh: > truncates, >> appends, < reads; the shell's own fds come back after", () => {
  const r = shc(
    "echo first > /tmp/f; echo second >> /tmp/f; cat < /tmp/f; echo again > /tmp/f; cat /tmp/f; echo out",
  );
  assert.equal(r.out, "first\nsecond\nagain\nout\n");
});

Deno.test("sh: 2> sends errors to a file and 2>&1 joins them to stdout", () => {
  const r = shc(
    "ls /nope 2> /tmp/err; echo st=$?; cat /tmp/err; ls /nope > /tmp/all 2>&1; cat /tmp/all",
  );
  assert.equal(
    r.out,
    "st=1\nls: /nope: No such file or directory\nls: /nope: No such file or directory\n",
  );
});

Deno.test("sh: a failed redirection skips the command and gives status 1", () => {
  const r = shc("echo hi > /no/such/dir/f; echo st=$?; cat < /nope");
  assert.equal(
    r.out,
    "sh: /no/such/dir/f: No such file or directory\nst=1\nsh: /nope: No such file or directory\n",
  );
  assert.equal(r.status, 1);
});

Deno.test("sh: an unknown command is 127 with 'not found'; a syntax error is 2", () => {
  const r = shc("nosuch a b; echo $?");
  assert.equal(r.out, "sh: nosuch: not found\n127\n");
  const s = shc("echo 'open");
  assert.equal(s.status, 2);
  assert.equal(s.out, "sh: syntax error: unterminated quoted string\n");
});

Deno.test("sh: exit ends the shell with its argument, or with the last status", () => {
  const r = shc("echo a; exit 7; echo never");
  assert.equal(r.out, "a\n");
  assert.equal(r.status, 7);
  assert.equal(shc("false; exit").status, 1);
  assert.equal(shc("exit x").status, 2);
});

Deno.test("sh: cd and pwd change and show the shell's directory; children inherit it", () => {
  const r = shc("pwd; mkdir /tmp/d; cd /tmp/d; pwd; touch f; ls; cd /nope; echo $?");
  assert.equal(r.out, "/\n/tmp/d\nf\ncd: /nope: No such file or directory\n1\n");
});

Deno.test("sh: runs a script file with positional parameters, directly or through $PATH", () => {
  const r = shc(
    "mkdir /bin; echo 'echo $0 has $# args: $1 $2; exit 3' > /bin/s.sh; chmod 755 /bin/s.sh; " +
      "sh /bin/s.sh x y; echo st=$?; /bin/s.sh p; s.sh q; echo st=$?",
  );
  assert.equal(
    r.out,
    "/bin/s.sh has 2 args: x y\nst=3\n/bin/s.sh has 1 args: p\n/bin/s.sh has 1 args: q\nst=3\n",
  );
});

Deno.test("sh: a script without execute permission is 126", () => {
  const r = shc("echo true > /tmp/s; /tmp/s; echo $?; sh /tmp/s; echo $?");
  assert.equal(r.out, "sh: /tmp/s: Permission denied\n126\n0\n");
});

Deno.test("sh: a missing script file is reported with status 127", () => {
  const r = runSh(["/nope.sh"]);
  assert.equal(r.status, 127);
  assert.equal(r.out, "sh: cannot open /nope.sh: No such file or directory\n");
});

Deno.test("sh: with no arguments it reads lines from fd 0 with a prompt until end of input", () => {
  const r = runSh([], { input: "echo hi\nfalse\necho $?\n" });
  assert.equal(r.out, "$ hi\n$ $ 1\n$ ");
  assert.equal(r.status, 0);
});

Deno.test("sh: interactive input stops at exit, and a syntax error does not end it", () => {
  const r = runSh([], { input: "echo x )\necho ok\nexit 4\necho never\n" });
  assert.equal(r.out, "$ sh: syntax error: unexpected ')'\n$ ok\n$ ");
  assert.equal(r.status, 4);
});
