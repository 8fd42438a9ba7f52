/**
 * true.ts — true(1) and false(1): do nothing, successfully or not.
 *
 * Rules: arguments are ignored; true exits 0, false exits 1.
 */
// deno-lint-ignore-file require-yield
import type { App, Wait } from "../kernel/syscall/api.ts";

export const trueApp: App = {
  name: "true",
  *main(): Wait<number> {
    return 0;
  },
  summary: "return success",
};

export const falseApp: App = {
  name: "false",
  *main(): Wait<number> {
    return 1;
  },
  summary: "return failure",
};
