// setOOMScoreAdj: the process's /proc/self/oom_score_adj, from oom-score-adj and the value of
// oom-score-adj-values for its role, so that the OOM killer picks a replica before a master.
import { readFileSync, writeFileSync } from 'node:fs';
import { strerror } from './strerror.js';

const PROC = '/proc/self/oom_score_adj';

export class OomScore {
  /** The score before we first set it, restored when oom-score-adj goes back to no; null while we have not. */
  private base: number | null = null;

  /**
   * Sets the score for mode (no, yes/relative to the score we found, absolute) from the role's
   * value (index 0 master, 1 replica). False, with the reason logged, when /proc refuses.
   */
  update(mode: string, value: number, log: (msg: string) => void): boolean {
    let score: number;
    if (mode !== 'no') {
      try {
        this.base ??= Number.parseInt(readFileSync(PROC, 'latin1'), 10);
      } catch (e) {
        log(`Unable to read oom_score_adj: ${strerror(e as Error)}`);
        return false;
      }
      score = Math.min(1000, Math.max(-1000, value + (mode === 'absolute' ? 0 : this.base)));
    } else if (this.base !== null) {
      score = this.base;
      this.base = null;
    } else {
      return true;
    }
    try {
      writeFileSync(PROC, `${score}\n`);
      return true;
    } catch (e) {
      log(`Unable to write oom_score_adj: ${strerror(e as Error)}`);
      return false;
    }
  }
}
