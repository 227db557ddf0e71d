// The watchdog's window into a worker thread: the worker marks which input it is evaluating (shared memory,
// no message needed), and the HTTP thread sees from outside when one evaluation has run too long, even
// when the worker is stuck in a loop that never yields. The last line of defence behind the engine's own
// limits (RE2, Liquid limits, evaluation budgets); see src/app/ARCHITECTURE.md.
import type { StepWatch } from '../processor/processor.ts';

const LABEL_MAX = 1024;
// Int32 [0]: 1 while an input is being evaluated. Float64 [1]: when it started (epoch ms). Int32 [4]: label bytes.
const STATE = 0;
const LENGTH = 4;
const HEADER = 24;

export interface Stall {
  readonly label: string;
  readonly ms: number;
}

export class StallWatch implements StepWatch {
  readonly #state: Int32Array;
  readonly #startedAt: Float64Array;
  readonly #label: Uint8Array;
  readonly #encoder = new TextEncoder();

  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(HEADER + LABEL_MAX);
  }

  constructor(readonly shared: SharedArrayBuffer) {
    this.#state = new Int32Array(shared, 0, 6);
    this.#startedAt = new Float64Array(shared, 8, 1);
    this.#label = new Uint8Array(shared, HEADER, LABEL_MAX);
  }

  /** Worker side: `label` says what is being evaluated, in a form the watchdog can act on. */
  begin(label: string): void {
    const { written } = this.#encoder.encodeInto(label, this.#label);
    this.#state[LENGTH] = written;
    this.#startedAt[0] = Date.now();
    Atomics.store(this.#state, STATE, 1);
  }

  end(): void {
    Atomics.store(this.#state, STATE, 0);
  }

  /** Watchdog side: what has been evaluated for longer than `limitMs`, if anything. */
  stalled(now: number, limitMs: number): Stall | undefined {
    if (Atomics.load(this.#state, STATE) !== 1) return undefined;
    const ms = now - this.#startedAt[0];
    if (ms <= limitMs) return undefined;
    const length = this.#state[LENGTH];
    return { label: new TextDecoder().decode(this.#label.slice(0, length)), ms };
  }
}
