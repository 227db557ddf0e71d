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

export const WhenSchema = Type.Object(
  {
    event: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
      description: 'Event type, a list of types, or "*" for any',
      errorMessage: 'must be an event type, a list of event types, or "*"',
    }),
    where: Type.Optional(Type.String({ description: 'CEL condition over event, subject and now' })),
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

export const RuleSchema = Type.Object(
  {
    id: Type.String({ pattern: RULE_ID_PATTERN, errorMessage: 'must be lowercase letters, digits, "_", "-" or ".", at most 100 characters' }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    enabled: Type.Optional(Type.Boolean()),
    when: WhenSchema,
    then: Type.Array(ActionSchema, { minItems: 1, errorMessage: 'must be a list of at least one action' }),
    delivery: Type.Optional(DeliveryPolicySchema),
  },
  { additionalProperties: false, $id: 'Rule' },
);

export type RuleDocument = Static<typeof RuleSchema>;
export type DeliveryPolicyInput = Static<typeof DeliveryPolicySchema>;
