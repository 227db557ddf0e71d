// The bounds of rules with memory (MEMORY.md "State and its bounds"), defined once; config reads them.
import type { MemoryLimits } from './types.ts';

export const DEFAULT_MEMORY_LIMITS: MemoryLimits = {
  allowedLatenessMs: 60_000,
  maxWindowEvents: 1000,
  maxPending: 20,
  maxMemoryBytes: 65_536,
};
