// The sandbox thread: runs "test this rule on this event" (and later backtests) away from the HTTP thread.
// If one evaluation runs past its time, the HTTP thread ends this thread and starts another.
import { parentPort } from 'node:worker_threads';
import { testRule } from '../processor/test-rule.ts';
import { explainSubject } from '../explain/explain-subject.ts';
import type { SandboxReply, SandboxRequest } from './sandbox-protocol.ts';

const port = parentPort!;

port.on('message', (request: SandboxRequest) => {
  let reply: SandboxReply;
  try {
    reply = { id: request.id, result: run(request) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { id: request.id, error: { name: e.constructor.name, message: e.message } };
  }
  port.postMessage(reply);
});

function run(request: SandboxRequest): unknown {
  switch (request.task.kind) {
    case 'test-rule': return testRule(request.task.input);
    case 'explain-subject': return explainSubject(request.task.input);
    default: throw new Error(`unknown sandbox task ${(request.task as { kind: string }).kind}`);
  }
}

port.postMessage({ id: 0, result: 'ready' } satisfies SandboxReply);
