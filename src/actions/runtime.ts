// Builds the long-lived pieces the actions share (HTTP pools, SMTP pool) and closes them.
import type { Logger } from 'pino';
import { HttpClient } from './http/http-client.ts';
import { Mailer } from './email/mailer.ts';
import type { ActionRuntime } from './types.ts';

export interface ActionRuntimeOptions {
  readonly logger: Logger;
  readonly defaultTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly connectionsPerDestination: number;
  readonly allowPrivateTargets: boolean;
  readonly signingSecret: string;
  readonly userAgent: string;
  readonly smtp?: { readonly url?: string; readonly from?: string };
}

export function createActionRuntime(options: ActionRuntimeOptions): ActionRuntime & { close(): Promise<void> } {
  const http = new HttpClient({
    connections: options.connectionsPerDestination, allowPrivateTargets: options.allowPrivateTargets,
    userAgent: options.userAgent, signingSecret: options.signingSecret,
  });
  const mailer = options.smtp?.url
    ? new Mailer({ url: options.smtp.url, from: options.smtp.from, timeoutMs: options.defaultTimeoutMs, maxConnections: options.connectionsPerDestination })
    : null;
  return {
    http, mailer, logger: options.logger, defaultTimeoutMs: options.defaultTimeoutMs, maxTimeoutMs: options.maxTimeoutMs,
    async close() {
      mailer?.close();
      await http.close();
    },
  };
}
