// Fault injection for the crash tests: IFTHEN_TEST_CRASH_AT=<commit stage>:<n> kills the whole process
// (SIGKILL, as a power cut would) the n-th time a processor commit reaches that stage, inside its transaction.
import { COMMIT_STAGES, type CommitStage } from '../store/sqlite/sqlite-pipeline-store.ts';

export function commitProbeFromEnv(spec: string | undefined): ((stage: CommitStage) => void) | undefined {
  if (!spec) return undefined;
  const [stage, count] = spec.split(':');
  if (!(COMMIT_STAGES as readonly string[]).includes(stage)) throw new Error(`IFTHEN_TEST_CRASH_AT: unknown commit stage "${stage}" (${COMMIT_STAGES.join(', ')})`);
  let left = Number(count ?? 1);
  return (reached) => {
    if (reached === stage && --left === 0) process.kill(process.pid, 'SIGKILL');
  };
}
