// Registers routes without Fastify's encapsulation, so the app-wide hooks and handlers apply to them.
import type { FastifyInstance } from 'fastify';

type Plugin = (app: FastifyInstance) => Promise<void>;

export default function fp(plugin: Plugin): Plugin {
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
