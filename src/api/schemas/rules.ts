// OpenAPI bodies and answers of the rule endpoints: a rule is saved as YAML text or as JSON (the Rule schema).
import { Type } from '@sinclair/typebox';
import { RuleSchema } from '../../engine/rule/schema.ts';
import { Answer, Json, Nullable, Time } from './common.ts';
import { SaveWarning, TestExplanation } from './explain.ts';

const EXAMPLE_YAML = `id: cart-reminder
name: Remind shoppers who leave a full cart
when:
  event: cart_updated
  where: event.properties.total >= 30 && subject.country == "KR"
then:
  - webhook:
      url: https://push.example.com/send
      body: { to: "{{ subject.id }}" }
`;

/** `PUT /v1/rules/{id}` takes either content type; the route parses and validates both itself (YAML keeps its comments). */
export const RuleContent = {
  content: {
    'application/yaml': { schema: Type.String({ description: 'The rule as YAML (also accepted as application/x-yaml, text/yaml)', examples: [EXAMPLE_YAML] }) },
    'application/json': { schema: { ...RuleSchema, $id: undefined } },
  },
};

export const RuleError = Answer({ eventId: Type.String(), message: Type.String(), at: Time() }, 'A run-time error of the rule');

export const Rule = Answer({
  id: Type.String(), version: Type.Integer({ description: 'Every change makes a new version' }), enabled: Type.Boolean(),
  createdAt: Time(), updatedAt: Time(), document: Json('The rule document (see the request body of PUT /v1/rules/{id})'),
}, 'A saved rule');

export const RuleWithErrors = Answer({
  ...Rule.properties,
  source: Nullable(Type.String({ description: 'The YAML as saved, with its comments; null when saved as JSON' })),
  errors: Type.Array(RuleError, { description: 'The newest run-time errors, newest first' }),
}, 'A rule with its newest run-time errors');

export const SavedRule = Answer({
  ...Type.Partial(Rule).properties,
  changed: Type.Optional(Type.Boolean({ description: 'false when the document is the same as the current version' })),
  valid: Type.Optional(Type.Boolean({ description: 'With ?dry_run=true: the rule is valid (nothing is saved)' })),
  warnings: Type.Optional(Type.Array(SaveWarning, { description: 'Emit loops through this rule and cap-group conflicts it takes part in, with the enabled rules; absent when none' })),
}, 'The saved rule; with ?dry_run=true only {valid, document}');

export const RuleList = Answer({ items: Type.Array(Rule) }, 'Every rule');
export const RuleErrors = Answer({ items: Type.Array(RuleError) }, 'The newest run-time errors, newest first');

export const RuleVersion = Answer({ version: Type.Integer(), createdAt: Time(), document: Json(), source: Type.Optional(Nullable(Type.String())) });
export const RuleVersions = Answer({ items: Type.Array(RuleVersion) }, 'Every version, newest first');

export const TestResult = Answer({
  matched: Type.Boolean(), firingId: Type.Optional(Type.String()),
  group: Type.Optional(Type.Union([Type.Literal('treatment'), Type.Literal('holdout')], { description: 'For a rule with a holdout: the group of the subject (a held-out subject gets no action)' })),
  trace: Json('Each check with the values it saw, and what each action would do (secrets masked)'),
  emits: Type.Optional(Type.Array(Json())), subjectAfter: Type.Optional(Json('The subject attributes after the event')),
  ...TestExplanation,
}, 'The outcome of a test; nothing is stored or sent');
