/**
 * sim_seed.ts — one seed of a sweep: load a scenario module, run it with one seed, and
 * describe the run as a plain record a worker can post (`SeedResult`); with
 * `--check-determinism` the seed runs twice and any byte difference is a failure.
 *
 * Rules: a scenario module exports its Scenario as `default` (or as `scenario`); a module
 * that does not is one line of error. A scenario that throws fails its seed with the
 * error's first line; it never ends the sweep. Wall time is measured here (cli/ may read
 * the host's clock) and only reported, never fed to the run.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { runScenario, type Scenario, validateScenario } from "../rumprun/scenario.ts";
import { checkDeterminism } from "./determinism.ts";

/** What a sweep keeps of one run. */
export interface SeedResult {
  seed: number;
  passed: boolean;
  /** One line per failure: "invariant: why", "run: ...", "determinism: ...". */
  failures: string[];
  endedBy: string;
  virtualNs: number;
  wallMs: number;
}

/** The file URL of a scenario path given on the command line (relative to the cwd). */
export function scenarioUrl(path: string): string {
  if (/^(file|https?):/.test(path)) return path;
  return pathToFileURL(resolve(path)).href;
}

/** Imports a scenario module; throws an Error with one line when it has no scenario. */
export async function loadScenario(url: string): Promise<Scenario> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (e) {
    const first = String((e as Error).message ?? e).split("\n")[0];
    throw new Error(`cannot load ${url}: ${first}`);
  }
  const s = (mod.default ?? mod.scenario) as Scenario | undefined;
  if (!s || typeof s !== "object" || !Array.isArray(s.machines)) {
    throw new Error(`${url} exports no scenario (export default defineScenario({...}))`);
  }
  validateScenario(s);
  return s;
}

/** Runs `s` with `seed` (twice when `check`); never throws for the scenario's own errors. */
export async function runSeed(s: Scenario, seed: number, check = false): Promise<SeedResult> {
  const t0 = performance.now();
  try {
    if (check) {
      const { diffs, value } = await checkDeterminism((k) =>
        runScenario(s, { seed, console: k.console, pcap: k.pcap, trace: k.tracer })
      );
      return {
        seed,
        passed: value.passed && diffs.length === 0,
        failures: [...value.failures, ...diffs.map((d) => `determinism: ${d}`)],
        endedBy: value.endedBy,
        virtualNs: value.virtualNs,
        wallMs: (performance.now() - t0) / 2,
      };
    }
    const r = await runScenario(s, { seed });
    return {
      seed,
      passed: r.passed,
      failures: r.failures,
      endedBy: r.endedBy,
      virtualNs: r.virtualNs,
      wallMs: performance.now() - t0,
    };
  } catch (e) {
    return {
      seed,
      passed: false,
      failures: [`run: threw ${String((e as Error).message ?? e).split("\n")[0]}`],
      endedBy: "error",
      virtualNs: 0,
      wallMs: performance.now() - t0,
    };
  }
}
