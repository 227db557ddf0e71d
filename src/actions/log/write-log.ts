// The log action's send step: writes the rendered line to the server log, with the rule and firing it came from.
import type { Delivery } from '../../store/contracts.ts';
import type { RenderedLogLine } from '../rendered.ts';
import type { ActionResult, ActionRuntime, AttemptScope } from '../types.ts';

export async function writeLog(line: RenderedLogLine, delivery: Delivery, runtime: ActionRuntime, scope: AttemptScope): Promise<ActionResult> {
  // A secret rendered into the message by mistake must still not reach the log.
  runtime.logger[line.level]({ rule: delivery.ruleId, firing: delivery.firingId, delivery: delivery.id, subject: delivery.subject }, scope.redact(line.message));
  return { statusCode: null, response: null, request: null };
}
