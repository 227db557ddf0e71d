// Fault injection for the crash tests: IFTHEN_TEST_CRASH_AT=<commit stage>:<n> kills the whole process
// (SIGKILL, as a power cut would) the n-th time a processor commit reaches that stage, inside its transaction.
import { COMMIT_STAGES, type CommitStage } from '../store/sqlite/sqlite-pipeline-store.ts';
import { parseStallLabel, type StepWatch } from '../processor/processor.ts';

export function commitProbeFromEnv(spec: string | undefined): ((stage: CommitStage) => void) | undefined {
  if (!spec) return undefined;
  const [stage, count] = spec.split(':');
  if (!(COMMIT_STAGES as readonly string[]).includes(stage)) throw new Error(`IFTHEN_TEST_CRASH_AT: unknown commit stage "${stage}" (${COMMIT_STAGES.join(', ')})`);
  let left = Number(count ?? 1);
  return (reached) => {
    if (reached === stage && --left === 0) process.kill(process.pid, 'SIGKILL');
  };
}

/**
 * Fault injection for the watchdog test: IFTHEN_TEST_STALL_EVENT=<event id> makes the pipeline thread spin
 * forever when it starts evaluating that event, as a runaway evaluation would (a loop that never yields).
 */
export function stallHookFromEnv(eventId: string | undefined, watch: StepWatch): StepWatch {
  if (!eventId) return watch;
  return {
    begin(label) {
      watch.begin(label);
      if (parseStallLabel(label)?.id === eventId) for (;;) { /* stuck until the watchdog terminates the thread */ }
    },
    end: () => watch.end(),
  };
}
