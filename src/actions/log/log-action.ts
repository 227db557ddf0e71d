// The log action: writes the rendered message to the server log, with the rule and firing it came from.
import type { ActionSpec } from '../../engine/rule/schema.ts';
import { renderText } from '../../engine/template.ts';
import type { Delivery } from '../../store/contracts.ts';
import { rendered, templateContext } from '../render.ts';
import type { ActionResult, ActionRuntime, AttemptScope } from '../types.ts';

export async function writeLog(delivery: Delivery, runtime: ActionRuntime, scope: AttemptScope): Promise<ActionResult> {
  const spec = delivery.spec as ActionSpec<'log'>;
  const message = rendered('message', () => renderText(spec.message, templateContext(delivery, scope.secrets)));
  // A secret rendered into the message by mistake must still not reach the log.
  runtime.logger[spec.level ?? 'info']({ rule: delivery.ruleId, firing: delivery.firingId, delivery: delivery.id, subject: delivery.subject }, scope.redact(message));
  return { statusCode: null, response: null };
}
