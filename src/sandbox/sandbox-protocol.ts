// Messages between the HTTP thread and the sandbox thread, where people's rules are tried out.
import type { TestRuleInput } from '../processor/test-rule.ts';
import type { ExplainSubjectInput } from '../explain/explain-subject.ts';

export type SandboxTask =
  | { readonly kind: 'test-rule'; readonly input: TestRuleInput }
  | { readonly kind: 'explain-subject'; readonly input: ExplainSubjectInput };

export type SandboxRequest = { readonly id: number; readonly task: SandboxTask };

export type SandboxReply =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };
