// Machine actions run inside a transition, where XState expects no imperative work that
// sends events on to other machines. So an actor binds its machine's actions to queue their
// IO, and runs the queue once the transition is over (after each send).
export class EffectQueue {
  private readonly queue: Array<() => void> = [];
  private running = false;

  /** An action implementation that queues fn, called with the action's arguments. */
  defer<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      this.queue.push(() => fn(...args));
    };
  }

  /** Runs what the last transitions queued; effects queued meanwhile run in the same loop. */
  run(): void {
    if (this.running) return;
    this.running = true;
    try {
      for (let fn = this.queue.shift(); fn !== undefined; fn = this.queue.shift()) fn();
    } finally {
      this.running = false;
    }
  }
}
