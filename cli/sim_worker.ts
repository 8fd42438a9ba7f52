/**
 * sim_worker.ts — a sweep's worker thread: loads the scenario once, then runs the seeds
 * the main thread hands it, one at a time, and posts each result back.
 *
 *   main → worker   { type: "init", url, check }   { type: "run", seed }
 *   worker → main   { type: "ready" } | { type: "error", message } | { type: "result", result }
 *
 * Rules: one seed at a time (the main thread hands out the next when a result arrives, so
 * fast and slow seeds balance); nothing but these messages crosses the thread boundary.
 */
import type { Scenario } from "../rumprun/scenario.ts";
import { loadScenario, runSeed } from "./sim_seed.ts";

export type ToWorker = { type: "init"; url: string; check: boolean } | {
  type: "run";
  seed: number;
};

const self = globalThis as unknown as {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: unknown): void;
};

let scenario: Scenario | null = null;
let check = false;

self.onmessage = async (e) => {
  const m = e.data;
  if (m.type === "init") {
    try {
      scenario = await loadScenario(m.url);
      check = m.check;
      self.postMessage({ type: "ready" });
    } catch (err) {
      self.postMessage({ type: "error", message: (err as Error).message });
    }
    return;
  }
  const result = await runSeed(scenario!, m.seed, check);
  self.postMessage({ type: "result", result });
};
