// What rendering templates may cost. One RenderBudget is shared by every template of one evaluation (a
// firing in the engine, a delivery attempt in the dispatcher, an action in the rule test), so the many
// leaves of one action cannot each spend the full limit. Pure: it reads no clock of its own.

export interface RenderLimits {
  /** Template nodes rendered per evaluation (each loop iteration counts its nodes): deterministic, so replays agree. */
  readonly steps: number;
  /** Milliseconds liquidjs may spend rendering per evaluation, measured on liquidjs's own clock (a safety net behind `steps`). */
  readonly ms: number;
  /** liquidjs's memoryLimit per evaluation: elements and characters created by ranges and filters. */
  readonly memory: number;
  /** Bytes one action may render to, all its fields together. */
  readonly actionBytes: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = { steps: 50_000, ms: 100, memory: 1_000_000, actionBytes: 512 * 1024 };

export type RenderLimitName = 'steps' | 'time' | 'memory' | 'size';

/** A template went past its budget. Final: the same template on the same data does it again. */
export class RenderLimitError extends Error {
  constructor(readonly limit: RenderLimitName, detail: string) {
    super(`render limit exceeded (${limit}: ${detail})`);
    this.name = 'RenderLimitError';
  }
}

/** The shape liquidjs calls its limiters by (`Context.renderLimit`, `Context.memoryLimit`). */
export interface LiquidMeter {
  use(count: number): void;
  check(count: number): void;
}

export class RenderBudget {
  #steps = 0;
  #memory = 0;
  #deadline: number | undefined;
  #actionBytes = 0;

  constructor(readonly limits: RenderLimits = DEFAULT_RENDER_LIMITS) {}

  /**
   * Handed to liquidjs as its render limiter: liquidjs calls `check(now)` with its own clock before each
   * template node, so each call is one step, and the first call starts the time allowance.
   */
  readonly renderMeter: LiquidMeter = {
    use: () => undefined,
    check: (now: number) => {
      if (++this.#steps > this.limits.steps) throw new RenderLimitError('steps', `more than ${this.limits.steps} template nodes rendered`);
      this.#deadline ??= now + this.limits.ms;
      if (now > this.#deadline) throw new RenderLimitError('time', `rendering took more than ${this.limits.ms} ms`);
    },
  };

  /** Handed to liquidjs as its memory limiter: ranges and filters charge what they are about to create. */
  readonly memoryMeter: LiquidMeter = {
    use: (count: number) => {
      if (!(+count > 0)) return;
      if (this.#memory + +count > this.limits.memory) throw this.#memoryError();
      this.#memory += +count;
    },
    check: (count: number) => {
      if (+count > this.limits.memory) throw this.#memoryError();
    },
  };

  /** Starts counting the rendered size of the next action (steps, time and memory stay shared). */
  beginAction(): void {
    this.#actionBytes = 0;
  }

  /** Counts rendered text against the action's size cap, as it is produced. */
  chargeText(text: string): void {
    // UTF-8 takes at least a byte per UTF-16 unit: a text too long by its length is refused before it is scanned.
    const bytes = this.#actionBytes + text.length > this.limits.actionBytes ? text.length : utf8Length(text);
    this.#actionBytes += bytes;
    if (this.#actionBytes > this.limits.actionBytes) throw new RenderLimitError('size', `the action rendered to more than ${this.limits.actionBytes} bytes`);
  }

  get used(): { readonly steps: number; readonly memory: number; readonly actionBytes: number } {
    return { steps: this.#steps, memory: this.#memory, actionBytes: this.#actionBytes };
  }

  #memoryError(): RenderLimitError {
    return new RenderLimitError('memory', `more than ${this.limits.memory} elements or characters created`);
  }
}

/** UTF-8 length without encoding (the engine depends on no runtime's Buffer); a surrogate pair counts 4. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    bytes += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}
