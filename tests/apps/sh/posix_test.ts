/**
 * posix_test.ts — the shell's constructs one at a time, in the style of a POSIX shell
 * conformance suite: each test runs `sh -c` over the shell harness (VFS, /tmp, /kern,
 * /dev and the linked tools) and checks the exact output and the exit status.
 */
import assert from "node:assert/strict";
import { runSh, shc } from "./sh_harness.ts";

/** One conformance case: `script` prints exactly `out` and exits with `status`. */
function sh(name: string, script: string, out: string, status = 0): void {
  Deno.test(`sh: ${name}`, () => {
    const r = shc(script);
    assert.equal(r.out, out);
    assert.equal(r.status, status);
  });
}

// --- pipelines (XCU 2.9.2) ---
sh("a pipeline joins stdout to stdin", "echo one two three | wc -w", "       3\n");
sh("a three-stage pipeline", "printf 'b\\na\\nc\\n' | sort | head -n 2", "a\nb\n");
sh("a pipeline's status is its last command's", "true | false", "", 1);
sh("a failure early in a pipeline does not set its status", "false | true; echo $?", "0\n");
sh("! negates a pipeline's status", "! false | false; echo $?; ! true; echo $?", "0\n1\n");
sh(
  "a builtin stage runs in its own process",
  "x=1; echo $x | cat; echo x | read x; echo $x",
  "1\n1\n",
);
sh(
  "a compound command can be a pipeline stage",
  "for i in 3 1 2; do echo $i; done | sort",
  "1\n2\n3\n",
);
sh(
  "a pipeline stage reads until its writer ends",
  "printf 'x\\ny\\n' | while read l; do echo got $l; done",
  "got x\ngot y\n",
);
sh(
  "a writer whose reader has gone is ended by SIGPIPE",
  "cat /dev/zero | head -c 3 | wc -c",
  "       3\n",
);

// --- lists (XCU 2.9.3) ---
sh("; runs commands in order", "echo a; echo b", "a\nb\n");
sh(
  "&& and || short-circuit",
  "false && echo no; true && echo yes; false || echo alt",
  "yes\nalt\n",
);
sh(
  "& runs in the background and wait collects it",
  "sleep 1 & echo bg; wait; echo done",
  "bg\ndone\n",
);
sh(
  "$! is the last background pid and wait PID gives its status",
  "sh -c 'exit 3' & wait $!; echo $?",
  "3\n",
);
sh(
  "wait for a pid that is not a child is 127",
  "wait 999; echo $?",
  "wait: pid 999 is not a child of this shell\n127\n",
);

// --- compound commands (XCU 2.9.4) ---
sh("if/then/fi", "if true; then echo yes; fi", "yes\n");
sh("if/else", "if false; then echo yes; else echo no; fi", "no\n");
sh(
  "if/elif/else takes the first true arm",
  "if false; then echo 1; elif true; then echo 2; elif true; then echo 3; else echo 4; fi",
  "2\n",
);
sh(
  "if with no true arm and no else is status 0",
  "false; if false; then echo x; fi; echo $?",
  "0\n",
);
sh(
  "while loops while its condition succeeds",
  'i=; while [ "$i" != xxx ]; do i=${i}x; done; echo $i',
  "xxx\n",
);
sh(
  "until loops until its condition succeeds",
  'i=; until [ "$i" = xx ]; do i=${i}x; done; echo $i',
  "xx\n",
);
sh("for iterates over words", "for w in a 'b c' d; do echo \"<$w>\"; done", "<a>\n<b c>\n<d>\n");
sh(
  "for without in iterates over the positional parameters",
  "set -- p q; for a; do echo $a; done",
  "p\nq\n",
);
sh(
  "for over a glob",
  "touch /tmp/f1 /tmp/f2; for f in /tmp/f*; do echo $f; done",
  "/tmp/f1\n/tmp/f2\n",
);
sh(
  "case matches patterns in order",
  "for w in apple b.txt zz; do case $w in a*) echo A;; *.txt|*.md) echo T;; *) echo other;; esac; done",
  "A\nT\nother\n",
);
sh("case with no match is status 0", "false; case x in y) ;; esac; echo $?", "0\n");
sh("{ } groups in the current shell", "{ x=1; echo a; }; echo $x", "a\n1\n");
sh("( ) keeps variable changes inside", "x=1; (x=2; echo $x); echo $x", "2\n1\n");
sh(
  "redirection of a compound command",
  "for i in 1 2; do echo $i; done > /tmp/o; cat /tmp/o",
  "1\n2\n",
);
sh("multi-line scripts", "if true\nthen\n  echo ml\nfi\n", "ml\n");

// --- parameters and variables (XCU 2.5) ---
sh("assignment and $NAME", "x=hello; echo $x ${x}!", "hello hello!\n");
sh("an unset variable is empty and its word vanishes", "echo a $nope b", "a b\n");
sh("$? is the last status", "false; echo $?; true; echo $?", "1\n0\n");
sh("$$ is the shell's pid", "echo $$", "1\n");
sh("$# and $1.. are the positional parameters", "set -- a b c; echo $# $1 $3", "3 a c\n");
sh(
  '"$@" keeps each parameter one word',
  'set -- \'a b\' c; for x in "$@"; do echo "[$x]"; done',
  "[a b]\n[c]\n",
);
sh(
  "$@ unquoted is split",
  "set -- 'a b' c; for x in $@; do echo \"[$x]\"; done",
  "[a]\n[b]\n[c]\n",
);
sh("shift drops parameters", "set -- a b c; shift; echo $1 $#; shift 2; echo $#", "b 2\n0\n");
sh("unquoted expansions are split on IFS", "x='a   b'; for w in $x; do echo $w; done", "a\nb\n");
sh("quoted expansions are not split", "x='a   b'; echo \"$x\"", "a   b\n");
sh("export passes a variable to children", "export E=1; N=2; env | grep -e '^[EN]='", "E=1\n");
sh(
  "a prefix assignment reaches only that command",
  "V=x env | grep '^V='; echo \"[$V]\"",
  "V=x\n[]\n",
);
sh("unset removes a variable", 'x=1; unset x; echo "[$x]"', "[]\n");

sh(
  "~ expands to $HOME at the start of a word",
  "HOME=/kern; echo ~ ~/x a~ '~'",
  "/kern /kern/x a~ ~\n",
);
sh("a glob relative to the current directory", "cd /tmp; touch b a; echo *", "a b\n");

// --- command substitution (XCU 2.6.3) ---
sh("$(...) is the output less trailing newlines", 'x=$(echo a; echo b); echo "$x"', "a\nb\n");
sh('"$(...)" is one word', 'for w in "$(echo 1 2)"; do echo "[$w]"; done', "[1 2]\n");
sh("$(...) unquoted is split into words", "for w in $(echo 1 2); do echo w$w; done", "w1\nw2\n");
sh("backquotes substitute too", "echo `echo bq`", "bq\n");
sh("$(...) nests", "echo $(echo $(echo deep))", "deep\n");
sh("an assignment's status is its substitution's", "x=$(false); echo $?", "1\n");

// --- arithmetic expansion (XCU 2.6.4) ---
sh(
  "$((...)) evaluates integer arithmetic",
  "echo $((1 + 2 * 3)) $(( (1+2)*3 )) $((7 / 2)) $((-7 % 3))",
  "7 9 3 -1\n",
);
sh(
  "$((...)) reads variables with or without $",
  "i=4; echo $((i + 1)) $(($i * 2)) $((unset_v + 1))",
  "5 8 1\n",
);
sh(
  "$((...)) comparisons and logic give 1 or 0",
  "echo $((2 < 3)) $((2 == 3)) $((1 && 0)) $((!0))",
  "1 0 0 1\n",
);
sh(
  "a counting loop with $((...))",
  "i=0; while [ $i -lt 3 ]; do i=$((i + 1)); done; echo $i",
  "3\n",
);
sh(
  "division by zero fails the command with status 2",
  "echo $((1 / 0)); echo st=$?",
  "sh: arithmetic expression: division by zero\nst=2\n",
);

// --- globbing (XCU 2.13) ---
sh(
  "* matches names",
  "mkdir /tmp/g; touch /tmp/g/a.c /tmp/g/b.c /tmp/g/c.h; echo /tmp/g/*.c",
  "/tmp/g/a.c /tmp/g/b.c\n",
);
sh("? matches one character", "touch /tmp/ab /tmp/abc; echo /tmp/a?", "/tmp/ab\n");
sh(
  "[...] matches a set and a range",
  "touch /tmp/x1 /tmp/x2 /tmp/x3; echo /tmp/x[13] /tmp/x[!13]",
  "/tmp/x1 /tmp/x3 /tmp/x2\n",
);
sh("a pattern that matches nothing stays as it is", "echo /tmp/nothing*", "/tmp/nothing*\n");
sh(
  "quoted pattern characters are literal",
  "touch /tmp/q1; echo '/tmp/q*' \"/tmp/q?\"",
  "/tmp/q* /tmp/q?\n",
);
sh(
  "* does not match a leading dot",
  "mkdir /tmp/d; touch /tmp/d/.h /tmp/d/v; echo /tmp/d/*",
  "/tmp/d/v\n",
);

// --- redirection (XCU 2.7) ---
sh(
  "> creates and truncates, >> appends",
  "echo 1 > /tmp/r; echo 2 >> /tmp/r; cat /tmp/r",
  "1\n2\n",
);
sh("< reads a file", "echo in > /tmp/i; wc -c < /tmp/i", "       3\n");
sh("2>&1 sends errors where stdout goes", "ls /nope 2>&1 | wc -l", "       1\n");
sh("2> /dev/null discards errors", "ls /nope 2> /dev/null; echo $?", "1\n");
sh("here-document", "cat <<EOF\nline 1\n  line 2\nEOF\n", "line 1\n  line 2\n");
sh(
  "here-document expands parameters",
  "x=X; cat <<EOF\nx is $x, $(echo sub)\nEOF\n",
  "x is X, sub\n",
);
sh("here-document with a quoted delimiter is literal", "x=X; cat <<'EOF'\n$x\nEOF\n", "$x\n");
sh("<<- strips leading tabs", "cat <<-EOF\n\tindented\n\tEOF\n", "indented\n");
sh("a here-document feeds a pipeline", "grep b <<EOF | wc -l\na\nb\nbb\nEOF\n", "       2\n");

// --- test and [ ---
sh(
  "[ string comparisons ]",
  "[ a = a ] && echo eq; [ a != b ] && echo ne; [ -n x ] && [ -z '' ] && echo nz",
  "eq\nne\nnz\n",
);
sh("[ integer comparisons ]", "[ 2 -lt 10 ] && [ 10 -ge 10 ] && [ -3 -ne 3 ] && echo ok", "ok\n");
sh(
  "[ file tests ]",
  "touch /tmp/t; mkdir /tmp/td; [ -f /tmp/t ] && [ -d /tmp/td ] && [ -e /tmp/t ] && [ ! -s /tmp/t ] && [ ! -e /tmp/no ] && echo ok",
  "ok\n",
);
sh("[ -c ] sees a character device", "[ -c /dev/null ] && echo chr", "chr\n");
sh(
  "test with ! -a -o and parentheses",
  "test ! 1 -eq 2 -a \\( x = y -o 1 = 1 \\) && echo ok",
  "ok\n",
);
sh("[ without ] is an error with status 2", "[ 1 = 1", "[: missing ]\n", 2);
sh("test with a non-integer is status 2", "test a -eq 1", "test: a: integer expected\n", 2);

// --- set -e and exit (XCU 2.14) ---
sh("set -e exits at the first failing command", "set -e; echo a; false; echo b", "a\n", 1);
sh(
  "set -e: a script whose last command succeeds still fails early",
  "set -e; ls /nope 2>/dev/null; true",
  "",
  1,
);
sh(
  "set -e does not apply to conditions",
  "set -e; if false; then :; fi; false || true; ! true; while false; do :; done; echo ok",
  "ok\n",
);
sh("set -e exits on a failing pipeline", "set -e; echo x | false; echo no", "", 1);
sh("set +e turns it off", "set -e; set +e; false; echo still", "still\n");
sh("exit N ends the shell with N", "echo a; exit 5; echo b", "a\n", 5);
sh("exit with no argument uses the last status", "false; exit", "", 1);
sh("sh -e sets errexit", "sh -e -c 'false; echo no'; echo $?", "1\n");

// --- commands ---
sh("a command not found is 127", "nosuch; echo $?", "sh: nosuch: not found\n127\n");
sh("a syntax error is status 2", "if true; then", "sh: syntax error: unexpected end of input\n", 2);
sh(
  "a script in $PATH runs with its arguments",
  "printf 'echo \"$# $1\"\\n' > /tmp/s; chmod 755 /tmp/s; PATH=/tmp; s a b",
  "2 a\n",
);

// --- reading commands from standard input ---
Deno.test("sh: reading a pipe or file, at end of input it exits with the last status", () => {
  const r = runSh([], { input: "echo one\nfalse\n" });
  // The console is a terminal-like device here: the prompt shows; the status is false's.
  assert.equal(r.out, "$ one\n$ $ ");
  assert.equal(r.status, 1);
});

Deno.test("sh: stdin from a pipe gets no prompt, and ends with the last status at EOF", () => {
  const r = shc("printf 'echo piped\\nfalse\\n' | sh; echo st=$?");
  assert.equal(r.out, "piped\nst=1\n");
});

Deno.test("sh: a multi-line command read from stdin is read to its end", () => {
  const r = shc("printf 'for i in 1 2\\ndo echo $i\\ndone\\necho end\\n' | sh");
  assert.equal(r.out, "1\n2\nend\n");
});

Deno.test("sh: input ending inside a command is a syntax error, status 2", () => {
  const r = shc("printf 'if true; then echo x\\n' | sh; echo st=$?");
  assert.equal(r.out, "sh: syntax error: unexpected end of input\nst=2\n");
});

Deno.test("sh: -s reads stdin with positional parameters", () => {
  const r = shc("echo 'echo $# $1' | sh -s a b");
  assert.equal(r.out, "2 a\n");
});

Deno.test("sh: the terminal's prompt continues with '> ' inside a command", () => {
  const r = runSh([], { input: "if true\nthen echo in\nfi\n" });
  assert.equal(r.out, "$ > > in\n$ ");
  assert.equal(r.status, 0);
});
