// A firing planned only when something reads it (EngineOptions.planLazily, for a backtest that counts): a rule
// whose actions are all deliveries (no `set`, no `emit`) changes nothing in the step by its planning, so the
// plan can be made later from the same inputs (the view, trace and window objects are never changed once made)
// and gives the same firing. A backtest reads a firing's rule, subject and time; only its sample reads the rest.
import type { LoggedEvent } from './event.ts';
import type { CompiledRule } from './rule/compile.ts';
import type { Clock, DeliveryRequest, EngineOptions, Firing, Trace } from './types.ts';
import { planFiring, type FiringExtra, type PlannedFiring } from './plan.ts';

const NONE: readonly never[] = [];

/** The planned firing, or one planned when first read when the options ask for it and the rule allows it. */
export function plan(rule: CompiledRule, event: LoggedEvent, view: Readonly<Record<string, unknown>>, trace: Trace, clock: Clock, options: EngineOptions, extra?: FiringExtra): PlannedFiring {
  if (!options.planLazily || !deliveriesOnly(rule)) return planFiring(rule, event, view, trace, clock, options, extra);
  return { firing: new LazyFiring(rule, event, view, trace, { now: clock.now }, options, extra), emits: NONE, sets: NONE };
}

const ONLY_DELIVERIES = new WeakMap<CompiledRule, boolean>();

function deliveriesOnly(rule: CompiledRule): boolean {
  let known = ONLY_DELIVERIES.get(rule);
  if (known === undefined) {
    known = rule.actions.every((action) => !('set' in action) && !('emit' in action));
    ONLY_DELIVERIES.set(rule, known);
  }
  return known;
}

class LazyFiring implements Firing {
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly subject: string;
  readonly time: number;
  readonly firingTime: number;
  #planned: Firing | undefined;

  constructor(private readonly rule: CompiledRule, private readonly event: LoggedEvent, private readonly view: Readonly<Record<string, unknown>>,
    private readonly matched: Trace, private readonly clock: Clock, private readonly options: EngineOptions, private readonly extra: FiringExtra | undefined) {
    this.ruleId = rule.id;
    this.ruleVersion = rule.version;
    this.subject = event.subject;
    this.time = clock.now;
    this.firingTime = extra?.firingTime ?? event.receivedAt;
  }

  #firing(): Firing {
    return (this.#planned ??= planFiring(this.rule, this.event, this.view, this.matched, this.clock, this.options, this.extra).firing);
  }

  get id(): string { return this.#firing().id; }
  get group(): Firing['group'] { return this.#firing().group; }
  get eventIds(): readonly string[] { return this.extra?.eventIds ?? [this.event.id]; }
  get trace(): Trace { return this.#firing().trace; }
  get deliveries(): readonly DeliveryRequest[] { return this.#firing().deliveries; }
  get exposure(): Firing['exposure'] { return this.#firing().exposure; }
}
