// Deterministic holdout assignment (STATS.md formula 7): GrowthBook SDK v2's hash of the salt and the subject id,
// so a subject's group never changes while the salt stays (across versions and restarts), and a new salt re-randomises.
import type { CompiledExperiment } from '../rule/compile.ts';

/** FNV-1a, 32 bits, over the UTF-16 code units (as GrowthBook's `hashFnv32a`). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash >>> 0;
}

/** The hash in [0, 1): version 2 (the one used) = fnv1a32(str(fnv1a32(seed + id))) mod 10000 / 10000; version 1 kept for the vectors. */
export function assignmentHash(seed: string, id: string, version: 1 | 2 = 2): number {
  if (version === 1) return (fnv1a32(id + seed) % 1000) / 1000;
  return (fnv1a32(String(fnv1a32(seed + id))) % 10000) / 10000;
}

/** In the holdout when the hash is below `percent` / 100 (percent in (0, 50]). */
export function inHoldout(seed: string, subject: string, percent: number): boolean {
  return assignmentHash(seed, subject) < percent / 100;
}

/** The global control group (IFTHEN_GLOBAL_CONTROL_PERCENT / _SALT): held out of every rule that opts in. */
export interface GlobalControl {
  readonly percent: number;
  readonly salt: string;
}

export function inGlobalControl(control: GlobalControl | undefined, subject: string): boolean {
  return control !== undefined && control.percent > 0 && inHoldout(control.salt, subject, control.percent);
}

/** A subject's group for a rule: held out by the rule's own hash, or by the global control group when the rule opts in. */
export function assignGroup(experiment: CompiledExperiment, subject: string, control: GlobalControl | undefined): { group: 'treatment' | 'holdout'; globalControl: boolean } {
  const holdout = experiment.holdout;
  if (!holdout) return { group: 'treatment', globalControl: false };
  if (holdout.globalControl && inGlobalControl(control, subject)) return { group: 'holdout', globalControl: true };
  return { group: inHoldout(experiment.salt, subject, holdout.percent) ? 'holdout' : 'treatment', globalControl: false };
}
