// OpenAPI answer of GET /v1/retention: how long each kind of history is kept, and from when it is stored now.
import { Type } from '@sinclair/typebox';
import { Answer, Nullable, Time } from './common.ts';

const Period = (what: string) => Type.Integer({ description: `${what}, in ms; 0: kept forever` });
const Oldest = (what: string) => Nullable(Time(`The oldest ${what} still stored; null when there is none`));

export const Retention = Answer({
  periods: Answer({
    events: Period('Events, from arrival (never before the processor has processed them)'),
    firings: Period('Firings, from firing time (never while one of their deliveries is kept)'),
    delivered: Period('Delivered deliveries and their attempts, from delivery'),
    dead: Period('Dead deliveries (the dead-letter list) and their attempts, from when they died; a replay starts them again'),
    failures: Period('Events recorded as failed (GET /v1/failures)'),
    ruleErrors: Period('Run-time errors of rules (at most 20 per rule are kept anyway)'),
    suppressions: Period('Suppressions (a trigger stopped or delayed by a limit), from when they were decided'),
    goalEvents: Period('Goal and guardrail events kept for holdout reports (pre-exposure windows, exposures processed after their goal events), by event time; exposures and their outcomes are kept'),
  }),
  oldestStored: Answer({
    events: Oldest('event (arrival time)'), firings: Oldest('firing'), deliveries: Oldest('delivery (creation time), of any status'),
    failures: Oldest('failure'), ruleErrors: Oldest('rule error'), suppressions: Oldest('suppression'),
  }, 'Where each history starts now: a request for anything older finds nothing'),
  intervalMs: Type.Integer({ description: 'How often retention runs (IFTHEN_RETENTION_INTERVAL_MS); rows may outlive their period by this much' }),
  dedupe: Answer({
    windowMs: Type.Integer(), maxIds: Type.Integer(),
  }, 'An event id is answered `duplicate` when it arrived within windowMs, among the last maxIds events, and its event is still stored (not yet deleted by retention)'),
}, 'The retention policy and where each history starts now');
