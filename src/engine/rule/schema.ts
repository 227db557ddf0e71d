// The rule document: the one schema behind the TypeScript types, the validation and the OpenAPI docs.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../duration.ts';

const Duration = (description: string) =>
  Type.String({ pattern: DURATION_PATTERN, description, errorMessage: 'must be a duration like 500ms, 30s, 10m, 24h or 3d' });
const Template = (description: string) => Type.String({ description: `${description} (Liquid template)` });

export const RULE_ID_PATTERN = '^[a-z0-9][a-z0-9_.-]{0,99}$';

export const WebhookActionSchema = Type.Object(
  {
    url: Template('Target URL; must be http or https'),
    method: Type.Optional(Type.Union([Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('PATCH'), Type.Literal('GET'), Type.Literal('DELETE')], { errorMessage: 'must be one of POST, PUT, PATCH, GET, DELETE' })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String({ errorMessage: 'must be a string (a Liquid template)' }))),
    body: Type.Optional(Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown())], {
      description: 'A Liquid template string sent as is, or an object/array whose string leaves are rendered one by one and sent as JSON.',
      errorMessage: 'must be a template string, an object or an array',
    })),
    timeout: Type.Optional(Duration('Time limit for one attempt; default 10s')),
  },
  { additionalProperties: false },
);

export const ChatActionSchema = Type.Object(
  {
    url: Template('Slack-compatible incoming webhook URL'),
    text: Template('Message text'),
    timeout: Type.Optional(Duration('Time limit for one attempt; default 10s')),
  },
  { additionalProperties: false },
);

export const EmailActionSchema = Type.Object(
  {
    to: Template('Recipient address(es), comma separated'),
    subject: Template('Subject line'),
    text: Type.Optional(Template('Plain-text body')),
    html: Type.Optional(Template('HTML body')),
    from: Type.Optional(Template('Sender; defaults to IFTHEN_SMTP_FROM')),
  },
  { additionalProperties: false },
);

export const EmitActionSchema = Type.Object(
  {
    event: Type.String({ minLength: 1, maxLength: 200, description: 'Type of the new event' }),
    subject: Type.Optional(Template('Subject of the new event; defaults to the firing subject')),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'String leaves are Liquid templates' })),
  },
  { additionalProperties: false },
);

export const SetActionSchema = Type.Record(Type.String({ minLength: 1 }), Type.Unknown(), {
  description: 'Subject attributes to set; string values are Liquid templates, null removes the attribute',
});

export const LogActionSchema = Type.Object(
  {
    message: Template('Line to write to the server log'),
    level: Type.Optional(Type.Union([Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')])),
  },
  { additionalProperties: false },
);

/** Each action is an object with exactly one of these keys. */
export const ACTION_SCHEMAS = {
  webhook: WebhookActionSchema,
  chat: ChatActionSchema,
  email: EmailActionSchema,
  emit: EmitActionSchema,
  set: SetActionSchema,
  log: LogActionSchema,
} as const satisfies Record<string, TSchema>;

export type ActionKind = keyof typeof ACTION_SCHEMAS;
export const ACTION_KINDS = Object.keys(ACTION_SCHEMAS) as ActionKind[];
export type ActionSpec<K extends ActionKind = ActionKind> = { [P in K]: Static<(typeof ACTION_SCHEMAS)[P]> }[K];
export type Action = Static<typeof ActionSchema>;

const only = { additionalProperties: false } as const;
export const ActionSchema = Type.Union(
  [
    Type.Object({ webhook: WebhookActionSchema }, only),
    Type.Object({ chat: ChatActionSchema }, only),
    Type.Object({ email: EmailActionSchema }, only),
    Type.Object({ emit: EmitActionSchema }, only),
    Type.Object({ set: SetActionSchema }, only),
    Type.Object({ log: LogActionSchema }, only),
  ],
  { description: 'An object with exactly one of: ' + ACTION_KINDS.join(', ') },
);

const EventTypes = (description: string) =>
  Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
    description,
    errorMessage: 'must be an event type, a list of event types, or "*"',
  });
const Within = (description: string) => Duration(`${description}; at most 90d`);
const Cel = (description: string) => Type.String({ minLength: 1, description: `${description} (CEL)` });

export const CountSchema = Type.Object(
  {
    at_least: Type.Integer({ minimum: 1, description: 'How many matching events' }),
    within: Within('The sliding window'),
  },
  { additionalProperties: false, description: 'Threshold: at least this many matching events of the subject within the window' },
);

export const SumSchema = Type.Object(
  {
    of: Cel('The value each matching event adds; non-numbers and values below 0 count as 0'),
    at_least: Type.Number({ exclusiveMinimum: 0, description: 'The bound the sum must reach', errorMessage: 'must be a number above 0' }),
    within: Within('The sliding window'),
  },
  { additionalProperties: false, description: 'Threshold: the sum of a value over matching events within the window' },
);

export const DistinctSchema = Type.Object(
  {
    of: Cel('The value whose distinct occurrences are counted (compared as JSON)'),
    at_least: Type.Integer({ minimum: 1, description: 'How many distinct values' }),
    within: Within('The sliding window'),
  },
  { additionalProperties: false, description: 'Threshold: distinct values of an expression over matching events within the window' },
);

export const StepSchema = Type.Object(
  {
    event: EventTypes('Event type(s) of this step'),
    where: Type.Optional(Cel('Condition on the step event; sees event, subject, now and steps (the earlier steps)')),
    within: Within('Longest time from this step to the next step (or the trigger event)'),
  },
  { additionalProperties: false },
);

export const UnlessSchema = Type.Object(
  {
    event: EventTypes('Event type(s) that cancel'),
    where: Type.Optional(Cel('Condition on the cancelling event; sees event (the cancelling one), trigger, subject, now')),
    within: Type.Optional(Within('How long after the trigger event a cancelling event counts; default: the wait')),
  },
  { additionalProperties: false, description: 'Absence: fire when no such event follows the trigger within the time' },
);

export const ChangeSchema = Type.Object(
  {
    attribute: Type.String({ minLength: 1, description: 'The subject attribute' }),
    from: Type.Optional(Type.Unknown({ description: 'The value before (compared as JSON; an absent attribute is null)' })),
    to: Type.Optional(Type.Unknown({ description: 'The value after' })),
  },
  { additionalProperties: false, description: 'Fires when the attribute of the subject changes' },
);

export const WhenSchema = Type.Object(
  {
    event: Type.Optional(EventTypes('Event type, a list of types, or "*" for any; with change, default identify')),
    where: Type.Optional(Type.String({ description: 'CEL condition over event, subject and now (and window, steps, change where they exist)' })),
    count: Type.Optional(CountSchema),
    sum: Type.Optional(SumSchema),
    distinct: Type.Optional(DistinctSchema),
    after: Type.Optional(Type.Union([StepSchema, Type.Array(StepSchema, { minItems: 1, maxItems: 10 })], {
      description: 'Sequence: earlier step(s), in order; the trigger event is the last step',
      errorMessage: 'must be a step { event, where, within } or a list of 1 to 10 steps',
    })),
    unless: Type.Optional(UnlessSchema),
    wait: Type.Optional(Within('Delay: run the actions this long after the trigger event')),
    change: Type.Optional(ChangeSchema),
  },
  { additionalProperties: false },
);

export const QUIET_TIME_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
export const RATE_PATTERN = '^[1-9][0-9]{0,8}/(s|m|h)$';

export const LimitsSchema = Type.Object(
  {
    dedupe: Type.Optional(Type.Object(
      {
        key: Type.Optional(Cel('The key; default: the trigger event type')),
        within: Within('How long a key stays taken'),
      },
      { additionalProperties: false, description: 'At most one firing per subject and key within the time' },
    )),
    quiet_hours: Type.Optional(Type.Object(
      {
        from: Type.String({ pattern: QUIET_TIME_PATTERN, errorMessage: 'must be a local time like 22:00' }),
        to: Type.String({ pattern: QUIET_TIME_PATTERN, errorMessage: 'must be a local time like 08:00' }),
        timezone: Type.Optional(Type.String({ minLength: 1, description: 'IANA time zone, e.g. Asia/Seoul; default UTC' })),
        timezone_attribute: Type.Optional(Type.String({ minLength: 1, description: 'Subject attribute holding an IANA time zone; wins when valid' })),
        then: Type.Optional(Type.Union([Type.Literal('delay'), Type.Literal('drop')], { errorMessage: 'must be delay or drop', description: 'default delay' })),
      },
      { additionalProperties: false },
    )),
    per_subject: Type.Optional(Type.Object(
      {
        max: Type.Integer({ minimum: 1, description: 'Firings of this rule per subject' }),
        per: Within('The period'),
      },
      { additionalProperties: false },
    )),
    group: Type.Optional(Type.Object(
      {
        name: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,99}$', errorMessage: 'must be lowercase letters, digits, "_", "-" or "."' }),
        max: Type.Integer({ minimum: 1, description: 'Firings per subject of all rules naming the group' }),
        per: Within('The period'),
      },
      { additionalProperties: false },
    )),
    rate: Type.Optional(Type.String({ pattern: RATE_PATTERN, errorMessage: 'must be a rate like 100/s, 600/m or 1000/h', description: 'Deliveries of the rule spaced to this rate; nothing is dropped' })),
  },
  { additionalProperties: false },
);

export const DeliveryPolicySchema = Type.Object(
  {
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Attempts before dead; default 10' })),
    max_age: Type.Optional(Duration('Age after which a delivery is dead; default 24h')),
    backoff: Type.Optional(Duration('Base of the exponential back-off; default 1s')),
    backoff_max: Type.Optional(Duration('Cap of one back-off wait; default 1h')),
  },
  { additionalProperties: false },
);

export const HoldoutSchema = Type.Object(
  {
    percent: Type.Number({ exclusiveMinimum: 0, maximum: 50, description: 'Share of subjects held out (they get a recorded would-have-fired exposure, no action)', errorMessage: 'must be a number above 0 and at most 50' }),
    salt: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The assignment seed; default the rule id. Changed only by POST /v1/rules/{id}/holdout/reshuffle' })),
    global_control: Type.Optional(Type.Boolean({ description: 'Subjects of the global control group (IFTHEN_GLOBAL_CONTROL_PERCENT) are held out of this rule too' })),
  },
  { additionalProperties: false, description: 'A random holdout group, so that the rule\'s effect on its goals is measured' },
);

export const MetricSchema = Type.Object(
  {
    event: EventTypes('Event type(s) that count for the metric'),
    where: Type.Optional(Cel('Condition on the metric event; sees event and now')),
    within: Within('How long after the exposure the event counts'),
    value: Type.Optional(Cel('The value of one metric event (e.g. event.properties.revenue); non-numbers count as 0; default: conversion only')),
    name: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,99}$', errorMessage: 'must be lowercase letters, digits, "_", "-" or "."', description: 'Default: the event type' })),
  },
  { additionalProperties: false },
);

export const RuleSchema = Type.Object(
  {
    id: Type.String({ pattern: RULE_ID_PATTERN, errorMessage: 'must be lowercase letters, digits, "_", "-" or ".", at most 100 characters' }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    enabled: Type.Optional(Type.Boolean()),
    when: WhenSchema,
    limits: Type.Optional(LimitsSchema),
    then: Type.Array(ActionSchema, { minItems: 1, errorMessage: 'must be a list of at least one action' }),
    delivery: Type.Optional(DeliveryPolicySchema),
    holdout: Type.Optional(HoldoutSchema),
    goal: Type.Optional(MetricSchema),
    goals: Type.Optional(Type.Array(MetricSchema, { minItems: 1, maxItems: 10, description: 'Goals; the first one is primary', errorMessage: 'must be a list of 1 to 10 goals' })),
    guardrails: Type.Optional(Type.Array(MetricSchema, { maxItems: 10, description: 'Metrics where up is bad (unsubscribes, complaints)', errorMessage: 'must be a list of at most 10 metrics' })),
  },
  { additionalProperties: false, $id: 'Rule' },
);

export type RuleDocument = Static<typeof RuleSchema>;
export type DeliveryPolicyInput = Static<typeof DeliveryPolicySchema>;
export type When = Static<typeof WhenSchema>;
export type Limits = Static<typeof LimitsSchema>;
export type SequenceStep = Static<typeof StepSchema>;
export type HoldoutSpec = Static<typeof HoldoutSchema>;
export type MetricSpec = Static<typeof MetricSchema>;
