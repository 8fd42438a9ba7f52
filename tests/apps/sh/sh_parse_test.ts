/**
 * sh_parse_test.ts — the shell's grammar (apps/lib/sh_parse.ts) and word expansion
 * without a system (apps/lib/sh_expand.ts): quoting, parameters, lists, redirections,
 * compound commands, here-documents, pattern matching and the syntax errors, including
 * which are "incomplete" (more input could finish them).
 */
import assert from "node:assert/strict";
import { type ExpandCtx, expandWords, fnmatch, unquoted } from "../../../apps/lib/sh_expand.ts";
import { type Cmd, parse, ShSyntaxError } from "../../../apps/lib/sh_parse.ts";

const vars: Record<string, string> = { "?": "3", X: "ex", EMPTY: "", "1": "one", SP: "a  b" };
const ctx: ExpandCtx = {
  lookup: (n) => vars[n] ?? "",
  positional: () => ["one"],
  // deno-lint-ignore require-yield
  *subst(src) {
    return `<${src}>`;
  },
  ifs: () => " \t\n",
};

/** Runs a generator that never waits to its value. */
function done<T>(g: Generator<unknown, T>): T {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/** The simple commands of a script, in order, as expanded words. */
function words(src: string): string[][] {
  const out: string[][] = [];
  const walk = (c: Cmd): void => {
    if (c.t === "simple") out.push(done(expandWords(c.words, ctx, null)));
    else if (c.t === "list") c.items.forEach((i) => walk(i.cmd));
    else if (c.t === "andor") (walk(c.left), walk(c.right));
    else if (c.t === "pipeline") c.cmds.forEach(walk);
  };
  walk(parse(src));
  return out;
}

Deno.test("sh parse: words split on blanks; single quotes keep everything literally", () => {
  assert.deepEqual(words("echo  a\tb 'c  d' 'x\\y $X'"), [["echo", "a", "b", "c  d", "x\\y $X"]]);
});

Deno.test('sh parse: double quotes keep blanks and expand parameters; \\ escapes $ " \\', () => {
  assert.deepEqual(words('echo "a  $X" "\\$X \\" \\\\ \\n"'), [["echo", "a  ex", '$X " \\ \\n']]);
});

Deno.test("sh parse: a backslash outside quotes keeps the next character; \\newline joins", () => {
  assert.deepEqual(words("echo a\\ b \\'q\\' c\\\nd"), [["echo", "a b", "'q'", "cd"]]);
});

Deno.test("sh parse: $?, $1, ${X} and $NAME expand; an unquoted empty expansion is no word", () => {
  assert.deepEqual(words('echo $? $1 ${X}y $EMPTY "$EMPTY" $ 5$'), [
    ["echo", "3", "one", "exy", "", "$", "5$"],
  ]);
});

Deno.test("sh parse: unquoted expansions split into fields; $(...) and `...` substitute", () => {
  assert.deepEqual(words('echo $SP "$SP" $(a b) "`c`"'), [[
    "echo",
    "a",
    "b",
    "a  b",
    "<a",
    "b>",
    "<c>",
  ]]);
});

Deno.test("sh parse: ; && || | & and newlines build lists, and-ors and pipelines", () => {
  const p = parse("a; b && c || d | e &\nf") as Extract<Cmd, { t: "list" }>;
  assert.deepEqual(p.items.map((i) => [i.cmd.t, i.bg]), [
    ["simple", false],
    ["andor", true],
    ["simple", false],
  ]);
  const ao = p.items[1].cmd as Extract<Cmd, { t: "andor" }>;
  assert.equal(ao.op, "||");
  assert.equal(ao.right.t, "pipeline");
  assert.equal(ao.src, "b && c || d | e");
  assert.deepEqual(words("a &&\n b"), [["a"], ["b"]]);
});

Deno.test("sh parse: redirections with and without a descriptor, and >& duplication", () => {
  const c = (parse("cmd >out 2>>err <in 2>&1 x>y") as Extract<Cmd, { t: "list" }>).items[0]
    .cmd as Extract<Cmd, { t: "simple" }>;
  assert.deepEqual(
    c.redirs.map((r) => [r.fd, r.op, done(expandWords([r.target], ctx, null))[0]]),
    [[1, ">", "out"], [2, ">>", "err"], [0, "<", "in"], [2, ">&", "1"], [1, ">", "y"]],
  );
  assert.deepEqual(done(expandWords(c.words, ctx, null)), ["cmd", "x"]);
});

Deno.test("sh parse: a here-document's body is the lines up to its delimiter", () => {
  const c = parse("cat <<EOF; echo after\nbody $X\nEOF\necho next") as Extract<Cmd, { t: "list" }>;
  const cat = c.items[0].cmd as Extract<Cmd, { t: "simple" }>;
  assert.equal(cat.redirs[0].body, "body $X\n");
  assert.equal(cat.redirs[0].expand, true);
  assert.equal(c.items.length, 3);
  const q = (parse("cat <<'E'\n$X\nE\n") as Extract<Cmd, { t: "list" }>).items[0].cmd as Extract<
    Cmd,
    { t: "simple" }
  >;
  assert.equal(q.redirs[0].expand, false);
});

Deno.test("sh parse: reserved words are recognised only where a command starts", () => {
  assert.deepEqual(words("echo if then fi done"), [["echo", "if", "then", "fi", "done"]]);
  const p = parse("if a; then b; elif c; then d; else e; fi") as Extract<Cmd, { t: "list" }>;
  const i = p.items[0].cmd as Extract<Cmd, { t: "if" }>;
  assert.equal(i.arms.length, 2);
  assert.ok(i.els);
});

Deno.test("sh parse: an assignment word before the command name is an assignment", () => {
  const c = (parse("A=1 B=$X cmd C=2") as Extract<Cmd, { t: "list" }>).items[0].cmd as Extract<
    Cmd,
    { t: "simple" }
  >;
  assert.deepEqual(c.assigns.map((a) => a.name), ["A", "B"]);
  assert.deepEqual(done(expandWords(c.words, ctx, null)), ["cmd", "C=2"]);
});

Deno.test("sh parse: '#' starts a comment only at the start of a word", () => {
  assert.deepEqual(words("echo a#b # c d\necho e"), [["echo", "a#b"], ["echo", "e"]]);
});

Deno.test("sh parse: syntax errors are thrown as ShSyntaxError; open constructs are incomplete", () => {
  for (const bad of ["; a", "a && ; b", "a | | b", "fi", "echo )", "for 1 in a; do :; done"]) {
    assert.throws(
      () => parse(bad),
      (e: unknown) => e instanceof ShSyntaxError && !e.incomplete,
      bad,
    );
  }
  for (
    const open of [
      "echo 'open",
      'echo "open',
      "a &&",
      "a >",
      "if true; then",
      "cat <<E\nx",
      "echo $(a",
    ]
  ) {
    assert.throws(
      () => parse(open),
      (e: unknown) => e instanceof ShSyntaxError && e.incomplete,
      open,
    );
  }
});

Deno.test("sh pattern: * ? [...] [!...] and quoted characters", () => {
  const m = (p: string, s: string) => fnmatch(unquoted(p), s);
  assert.ok(m("*.c", "a.c") && !m("*.c", "a.h"));
  assert.ok(m("a?c", "abc") && !m("a?c", "ac"));
  assert.ok(m("[a-c]x", "bx") && !m("[!a-c]x", "bx") && m("[!a-c]x", "dx"));
  assert.ok(m("[]]", "]") && m("[", "[") && !m("[ab", "a"));
  assert.ok(!fnmatch([{ c: "*", q: true }], "abc"));
  assert.ok(fnmatch(unquoted("*"), ".hidden") && !fnmatch(unquoted("*"), ".hidden", true));
});
