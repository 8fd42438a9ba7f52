import assert from "node:assert/strict";
import { expandWord, type ListItem, parse, ShSyntaxError } from "../../../apps/lib/sh_parse.ts";

const vars: Record<string, string> = { "?": "3", X: "ex", EMPTY: "", "1": "one" };
const lookup = (n: string) => vars[n] ?? "";

/** The words of each command after expansion. */
function words(src: string): string[][] {
  return parse(src).map((i) =>
    i.cmd.words.map((w) => expandWord(w, lookup)).filter((s) => s !== null) as string[]
  );
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

Deno.test("sh parse: ; && || and newlines join commands in a list", () => {
  const l = parse("a; b && c || d\ne");
  assert.deepEqual(l.map((i: ListItem) => i.join), [";", ";", "&&", "||", ";"]);
  assert.equal(parse("a &&\n b").length, 2);
  assert.deepEqual(parse("a;").length, 1);
});

Deno.test("sh parse: redirections with and without a descriptor, and >& duplication", () => {
  const [c] = parse("cmd >out 2>>err <in 2>&1 x>y");
  assert.deepEqual(
    c.cmd.redirs.map((r) => [r.fd, r.op, expandWord(r.target, lookup)]),
    [[1, ">", "out"], [2, ">>", "err"], [0, "<", "in"], [2, ">&", "1"], [1, ">", "y"]],
  );
  assert.deepEqual(c.cmd.words.map((w) => expandWord(w, lookup)), ["cmd", "x"]);
});

Deno.test("sh parse: '#' starts a comment only at the start of a word", () => {
  assert.deepEqual(words("echo a#b # c d\necho e"), [["echo", "a#b"], ["echo", "e"]]);
});

Deno.test("sh parse: syntax errors are thrown as ShSyntaxError", () => {
  for (
    const bad of ["echo 'open", 'echo "open', "; a", "a && ; b", "a &&", "a >", "a | b", "a &"]
  ) {
    assert.throws(() => parse(bad), ShSyntaxError, bad);
  }
});
