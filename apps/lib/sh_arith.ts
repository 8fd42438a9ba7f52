/**
 * sh_arith.ts — arithmetic expansion `$((expression))` (XCU 2.6.4): signed integer
 * expressions as C has them, over decimal, octal (0N) and hex (0xN) constants and
 * variables.
 *
 * Rules: pure. Parameters written `$x` or `${x}` are expanded before evaluation (by the
 * caller); a bare name is a variable's value, "" or unset counting 0, and a value that
 * is not an integer is an error. Operators, loosest first: `||`, `&&`, `|`, `^`, `&`,
 * `==` `!=`, `<` `<=` `>` `>=`, `<<` `>>`, `+` `-`, `*` `/` `%`, unary `+ - ! ~`, and
 * parentheses; comparisons give 1 or 0. Division or remainder by zero and any syntax
 * error throw `ArithError`. Results are 64-bit-free JavaScript integers truncated toward
 * zero (no assignment operators).
 */

export class ArithError extends Error {}

/** Binary operators by precedence level, loosest first. */
const LEVELS: string[][] = [
  ["||"],
  ["&&"],
  ["|"],
  ["^"],
  ["&"],
  ["==", "!="],
  ["<=", ">=", "<", ">"],
  ["<<", ">>"],
  ["+", "-"],
  ["*", "/", "%"],
];

function apply(op: string, a: number, b: number): number {
  switch (op) {
    case "||":
      return a || b ? 1 : 0;
    case "&&":
      return a && b ? 1 : 0;
    case "|":
      return a | b;
    case "^":
      return a ^ b;
    case "&":
      return a & b;
    case "==":
      return a === b ? 1 : 0;
    case "!=":
      return a !== b ? 1 : 0;
    case "<":
      return a < b ? 1 : 0;
    case "<=":
      return a <= b ? 1 : 0;
    case ">":
      return a > b ? 1 : 0;
    case ">=":
      return a >= b ? 1 : 0;
    case "<<":
      return a << b;
    case ">>":
      return a >> b;
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
    case "%":
      if (b === 0) throw new ArithError("division by zero");
      return op === "/" ? Math.trunc(a / b) : a % b;
  }
  throw new ArithError(`unknown operator ${op}`);
}

function constant(s: string): number {
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return parseInt(s, 16);
  if (/^0[0-7]+$/.test(s)) return parseInt(s, 8);
  if (/^[0-9]+$/.test(s)) return Number(s);
  throw new ArithError(`${s}: bad number`);
}

/** Evaluates `expr` with `lookup` giving variables' values. */
export function arith(expr: string, lookup: (name: string) => string): number {
  const toks = expr.match(
    /\s+|0[xX][0-9a-fA-F]+|[0-9]+|[A-Za-z_][A-Za-z0-9_]*|\|\||&&|==|!=|<=|>=|<<|>>|[-+*\/%()<>!~&|^]|./g,
  ) ?? [];
  const t = toks.filter((s) => !/^\s+$/.test(s));
  let i = 0;
  const primary = (): number => {
    const s = t[i++];
    if (s === undefined) throw new ArithError("expression expected");
    if (s === "(") {
      const v = level(0);
      if (t[i++] !== ")") throw new ArithError("missing ')'");
      return v;
    }
    if (s === "-" || s === "+" || s === "!" || s === "~") {
      const v = primary();
      return s === "-" ? -v : s === "+" ? v : s === "!" ? (v ? 0 : 1) : ~v;
    }
    if (/^[A-Za-z_]/.test(s)) {
      const v = lookup(s).trim();
      return v === "" ? 0 : constant(v.replace(/^-/, "")) * (v.startsWith("-") ? -1 : 1);
    }
    return constant(s);
  };
  const level = (n: number): number => {
    if (n === LEVELS.length) return primary();
    let v = level(n + 1);
    while (i < t.length && LEVELS[n].includes(t[i])) {
      const op = t[i++];
      v = apply(op, v, level(n + 1));
    }
    return v;
  };
  const v = level(0);
  if (i < t.length) throw new ArithError(`syntax error near '${t[i]}'`);
  return Math.trunc(v);
}
