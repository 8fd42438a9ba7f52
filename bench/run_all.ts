/**
 * run_all.ts — `deno task bench`: every benchmark in bench/, one after another: the micro
 * ones (files with `Deno.bench`) through `deno bench`, the end-to-end ones (every other
 * file) as scripts with their default arguments, each in its own process. Prints each one's
 * figures as it goes and, at the end, which ran, which failed (a missing tool such as wrk
 * is a failure that names it) and where the figures go: BENCHMARKS.md, with the machine and
 * the command, beside a reference measured in the same run.
 *
 *   deno task bench              all of them
 *   deno task bench NAME...      only these (file names, with or without .ts)
 *   deno task bench --list       which files are micro and which are scripts
 *
 * Rules: files are found by listing bench/, so a new benchmark is run without editing
 * this; this file and files whose names start with "_" (helpers) are not benchmarks. A
 * benchmark is never a test: nothing here asserts a speed. Exit status 1 if any failed.
 */

const DIR = new URL("./", import.meta.url);
const SELF = new URL(import.meta.url).pathname.split("/").pop()!;

/** The benchmark files of bench/, sorted, split into micro (`Deno.bench`) and scripts. */
export async function listBenchmarks(): Promise<{ micro: string[]; scripts: string[] }> {
  const micro: string[] = [], scripts: string[] = [];
  for await (const e of Deno.readDir(DIR)) {
    if (!e.isFile || !e.name.endsWith(".ts") || e.name === SELF || e.name.startsWith("_")) {
      continue;
    }
    const text = await Deno.readTextFile(new URL(e.name, DIR));
    (/\bDeno\.bench\(/.test(text) ? micro : scripts).push(e.name);
  }
  return { micro: micro.sort(), scripts: scripts.sort() };
}

async function run(args: string[]): Promise<number> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: new URL("..", DIR).pathname,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return r.code;
}

if (import.meta.main) {
  const only = new Set(Deno.args.map((a) => a.replace(/^bench\//, "").replace(/\.ts$/, "")));
  const pick = (f: string) => only.size === 0 || only.has(f.replace(/\.ts$/, ""));
  const { micro, scripts } = await listBenchmarks();
  if (Deno.args[0] === "--list") {
    for (const f of micro) console.log(`micro  bench/${f}`);
    for (const f of scripts) console.log(`script bench/${f}`);
    Deno.exit(0);
  }
  const unknown = [...only].filter((n) => ![...micro, ...scripts].includes(`${n}.ts`));
  if (unknown.length) {
    console.error(`bench: no benchmark ${unknown.join(", ")} in bench/`);
    Deno.exit(2);
  }
  const results: [string, number][] = [];
  const chosenMicro = micro.filter(pick);
  if (chosenMicro.length) {
    console.log(`\n== deno bench ${chosenMicro.map((f) => `bench/${f}`).join(" ")}`);
    const code = await run(["bench", "-A", ...chosenMicro.map((f) => `bench/${f}`)]);
    for (const f of chosenMicro) results.push([f, code]);
  }
  for (const f of scripts.filter(pick)) {
    console.log(`\n== deno run -A --v8-flags=--expose-gc bench/${f}`);
    results.push([f, await run(["run", "-A", "--v8-flags=--expose-gc", `bench/${f}`])]);
  }
  const failed = results.filter(([, c]) => c !== 0);
  console.log(`\n== ${results.length} benchmarks ran, ${failed.length} failed`);
  for (const [f, c] of failed) console.log(`   failed: bench/${f} (exit status ${c})`);
  console.log(
    "Figures go in BENCHMARKS.md: the machine (CPU, cores, memory, Deno version), the command " +
      "as run, and a reference measured in the same run (see the file's sections).",
  );
  Deno.exit(failed.length ? 1 : 0);
}
