/**
 * fault_flag.ts — the `--fault` syntax: every fault of the NIC's fault filter and of the
 * disk, in one compact form with netem's words where they fit.
 *
 *   --fault 'loss=10%,duplicate=5%,reorder=20%,corrupt=1%'     both directions of the NIC
 *   --fault 'tx:latency=50ms,jitter=10ms'                      NIC → medium only
 *   --fault 'rx:rate=1mbit,limit=100'                          medium → NIC only
 *   --fault 'blk:eio=2048-4095,latency=2ms'                    the --blk disk
 *
 * A value is a list of KEY=VALUE separated by commas, after an optional target prefix
 * (`tx:`, `rx:`, `blk:`; none means the NIC, both ways). The flag may be repeated; later
 * values add to earlier ones, and one key given twice for the same target is an error.
 *
 * NIC keys: loss, duplicate, reorder, corrupt (probabilities: `10%` or `0.1`);
 * reorder-delay, latency (alias delay), jitter (durations with a unit: ns, us, ms, s);
 * rate (netem's units: bit, kbit, mbit, gbit per second; bps, kbps, mbps, gbps are bytes
 * per second); limit (frames that may wait for the rate-limited link).
 * Disk keys: eio=FIRST-LAST[:read|:write] (sectors, inclusive; repeatable as eio=..,eio=..),
 * torn=FIRST-LAST (writes store a random prefix of their sectors, then fail), latency.
 *
 * Rules: pure parsing; every error is a FaultFlagError with one line naming the key and
 * what was expected (the CLI prefixes `--fault: `).
 */
import type { FaultConfig } from "../arch/netdev/fault.ts";
import type { BlkFaultConfig, SectorRange } from "../arch/virtio/blk_fault.ts";

export class FaultFlagError extends Error {}

/** What one or more `--fault` values ask for, per target. */
export interface FaultFlags {
  tx?: FaultConfig;
  rx?: FaultConfig;
  blk?: BlkFaultConfig;
}

const PROBABILITY: Record<string, keyof FaultConfig> = {
  loss: "loss",
  duplicate: "duplicate",
  reorder: "reorder",
  corrupt: "corrupt",
};
const DURATION: Record<string, keyof FaultConfig> = {
  latency: "latencyNs",
  delay: "latencyNs",
  jitter: "jitterNs",
  "reorder-delay": "reorderDelayNs",
};
const NIC_KEYS = [...Object.keys(PROBABILITY), ...Object.keys(DURATION), "rate", "limit"];
const BLK_KEYS = ["eio", "torn", "latency"];

/** `10%` or `0.1` → 0.1; throws naming `key`. */
export function parseProbability(key: string, s: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(s);
  const p = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(p >= 0 && p <= 1)) {
    throw new FaultFlagError(`${key}: "${s}" is not a probability (0..1 or 0%..100%)`);
  }
  return p;
}

const TIME_UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

/** `50ms`, `1.5s`, `200us`, `10ns` → nanoseconds; throws naming `key`. */
export function parseDuration(key: string, s: string): number {
  const m = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(s);
  if (!m) throw new FaultFlagError(`${key}: "${s}" is not a duration like 50ms`);
  if (m[2] === "") throw new FaultFlagError(`${key}: "${s}" needs a unit (ns, us, ms or s)`);
  const unit = TIME_UNITS[m[2]];
  if (unit === undefined) {
    throw new FaultFlagError(`${key}: unknown unit "${m[2]}" in "${s}" (ns, us, ms or s)`);
  }
  const ns = Math.round(Number(m[1]) * unit);
  if (ns > 3600e9) throw new FaultFlagError(`${key}: "${s}" is longer than an hour`);
  return ns;
}

const RATE_UNITS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  bps: 8,
  kbps: 8e3,
  mbps: 8e6,
  gbps: 8e9,
};

/** `1mbit`, `500kbit`, `2mbps` (bytes per second, as tc) → bits per second. */
export function parseRate(key: string, s: string): number {
  const m = /^(\d+(?:\.\d+)?)([a-z]*)$/i.exec(s);
  if (!m) throw new FaultFlagError(`${key}: "${s}" is not a rate like 1mbit`);
  const unit = RATE_UNITS[m[2].toLowerCase()];
  if (unit === undefined) {
    throw new FaultFlagError(
      `${key}: "${s}" needs a unit (bit, kbit, mbit, gbit; bps, kbps, mbps, gbps are bytes/s)`,
    );
  }
  const bps = Math.round(Number(m[1]) * unit);
  if (bps < 1) throw new FaultFlagError(`${key}: "${s}" is below 1 bit per second`);
  return bps;
}

/** `FIRST-LAST[:read|:write]` → a sector range. */
export function parseSectorRange(key: string, s: string): SectorRange {
  const m = /^(\d+)-(\d+)(?::(read|write))?$/.exec(s);
  if (!m) {
    throw new FaultFlagError(`${key}: "${s}" is not a sector range FIRST-LAST[:read|:write]`);
  }
  const first = Number(m[1]), last = Number(m[2]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) {
    throw new FaultFlagError(`${key}: "${s}": the last sector comes before the first`);
  }
  return m[3] ? { first, last, op: m[3] as "read" | "write" } : { first, last };
}

/** Parses `--fault` values (each as given on the command line) into per-target configs. */
export function parseFaultFlags(values: readonly string[]): FaultFlags {
  const out: FaultFlags = {};
  const seen = new Set<string>();
  for (const value of values) {
    const m = /^(tx|rx|blk):/.exec(value);
    const target = m?.[1] ?? "both";
    const body = m ? value.slice(m[0].length) : value;
    if (body === "") throw new FaultFlagError(`"${value}" sets no fault (e.g. loss=10%)`);
    for (const item of body.split(",")) {
      const eq = item.indexOf("=");
      if (eq <= 0 || eq === item.length - 1) {
        throw new FaultFlagError(`"${item}" is not KEY=VALUE (e.g. loss=10%)`);
      }
      const key = item.slice(0, eq), val = item.slice(eq + 1);
      if (target === "blk") {
        if (!BLK_KEYS.includes(key)) {
          throw new FaultFlagError(`blk:${key}: unknown disk fault (${BLK_KEYS.join(", ")})`);
        }
        const blk = out.blk ??= {};
        if (key === "latency") {
          if (seen.has("blk.latency")) throw new FaultFlagError(`blk:latency: given twice`);
          seen.add("blk.latency");
          blk.latencyNs = parseDuration("blk:latency", val);
        } else {
          const k = key as "eio" | "torn";
          const r = parseSectorRange(`blk:${k}`, val);
          if (k === "torn" && r.op === "read") {
            throw new FaultFlagError(`blk:torn: only writes can be torn (drop ":read")`);
          }
          (blk[k] ??= []).push(r);
        }
        continue;
      }
      if (!NIC_KEYS.includes(key)) {
        throw new FaultFlagError(`${key}: unknown fault (${NIC_KEYS.join(", ")})`);
      }
      const name = target === "both" ? key : `${target}:${key}`;
      let field: keyof FaultConfig, v: number;
      if (PROBABILITY[key]) [field, v] = [PROBABILITY[key], parseProbability(name, val)];
      else if (DURATION[key]) [field, v] = [DURATION[key], parseDuration(name, val)];
      else if (key === "rate") [field, v] = ["bandwidthBps", parseRate(name, val)];
      else {
        if (!/^\d+$/.test(val) || Number(val) < 1 || Number(val) > 1e6) {
          throw new FaultFlagError(`${name}: "${val}" is not a frame count from 1 to 1000000`);
        }
        [field, v] = ["queueLimit", Number(val)];
      }
      for (const dir of target === "both" ? ["tx", "rx"] as const : [target as "tx" | "rx"]) {
        const id = `${dir}.${field}`;
        if (seen.has(id)) throw new FaultFlagError(`${name}: given twice for ${dir}`);
        seen.add(id);
        (out[dir] ??= {})[field] = v;
      }
    }
  }
  return out;
}

/**
 * The NIC's faults from `--loss`/`--latency` (both directions) and `--fault`: one spec,
 * per direction when `--fault` names one; undefined when no flag asks for a fault. A field
 * set by both is an error naming it.
 */
export function nicFaultSpec(
  legacy: FaultConfig | undefined,
  f: FaultFlags,
): FaultConfig | { tx: FaultConfig; rx: FaultConfig } | undefined {
  if (!f.tx && !f.rx) return legacy;
  const merge = (dir: "tx" | "rx") => {
    const c = { ...f[dir] };
    for (const [k, v] of Object.entries(legacy ?? {})) {
      if (k in c) {
        const flag = k === "loss" ? "--loss" : "--latency";
        throw new FaultFlagError(`${k === "loss" ? "loss" : "latency"} is set by ${flag} too`);
      }
      (c as Record<string, number>)[k] = v;
    }
    return c;
  };
  return { tx: merge("tx"), rx: merge("rx") };
}
