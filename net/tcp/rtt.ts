/**
 * rtt.ts — the retransmission timeout estimator of RFC 6298.
 *
 * Rules: SRTT and RTTVAR start from the first sample (§2.2) and follow α = 1/8, β = 1/4
 * (§2.3); RTO = SRTT + max(G, 4·RTTVAR) clamped to [rtoMin, rtoMax] (§2.4, §2.5). Before a
 * sample RTO is rtoInitial (§2.1). Backoff doubles the RTO per retransmission (§5.5) up to
 * rtoMax; the caller keeps the shift and clears it on a new valid sample (§5.7 and Karn's
 * rule: the caller never samples a retransmitted segment without timestamps).
 */

/** Clock granularity G (the timestamp clock ticks in milliseconds). */
const G = 1e6;

export class RttEstimator {
  /** SRTT, RTTVAR in ns; valid once `samples` > 0. */
  srtt = 0;
  rttvar = 0;
  samples = 0;
  /** The un-backed-off RTO in ns. */
  rto: number;

  constructor(readonly rtoMin: number, readonly rtoMax: number, rtoInitial: number) {
    this.rto = rtoInitial;
  }

  /** Folds in one round-trip measurement `r` (ns). */
  sample(r: number): void {
    r = Math.max(r, 0);
    if (this.samples === 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.samples++;
    this.rto = this.#clamp(this.srtt + Math.max(G, 4 * this.rttvar));
  }

  /** The RTO after `shift` backoffs. */
  backedOff(shift: number): number {
    return this.#clamp(this.rto * 2 ** Math.min(shift, 30));
  }

  #clamp(x: number): number {
    return Math.min(this.rtoMax, Math.max(this.rtoMin, x));
  }
}
