// Decisions in words, with the values seen (MEMORY.md; explain and backtest samples read them).
import type { Trace } from './types.ts';

/** `where: false: event.properties.total = 12, needs >= 30`, or `where: error: …`; undefined when the condition passed. */
export function whereDetail(trace: Trace): string | undefined {
  const where = trace.steps.find((s) => s.check === 'where');
  if (!where || where.check !== 'where' || where.passed) return undefined;
  if (where.error) return `where: error: ${where.error}`;
  const parts = Object.entries(where.values).map(([path, value]) => {
    const needs = needsFor(where.expression, path);
    return `${path} = ${value === undefined ? 'absent' : JSON.stringify(value)}${needs ? `, needs ${needs}` : ''}`;
  });
  return parts.length ? `where: false: ${parts.join('; ')}` : `where: false: ${where.expression}`;
}

/** For `path op literal` in the expression: `op literal` (the comparison the value failed, as written). */
function needsFor(expression: string, path: string): string | undefined {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}\\s*(>=|<=|==|!=|>|<|\\bin\\b)\\s*("(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*'|-?[0-9.]+|\\[[^\\]]*\\]|true|false|null)`).exec(expression);
  return match ? `${match[1]} ${match[2]}` : undefined;
}
