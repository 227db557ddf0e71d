// Builds the long-lived pieces the actions share (HTTP pools, SMTP pool) and closes them.
import type { Logger } from 'pino';
import type { Delivery } from '../store/contracts.ts';
import { HttpClient } from './http/http-client.ts';
import { Mailer } from './email/mailer.ts';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from '../engine/render-limits.ts';
import { DEFAULT_FIELD_SIZE_LIMITS, type FieldSizeLimits } from './render.ts';
import type { ActionRuntime } from './types.ts';

export interface ActionRuntimeOptions {
  readonly logger: Logger;
  readonly defaultTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly connectionsPerDestination: number;
  readonly allowPrivateTargets: boolean;
  /**
   * Every `whsec_` secret valid for this delivery's rule, newest first (several during a rotation: each
   * signs, space separated in webhook-signature). An empty list sends requests unsigned.
   */
  readonly signingSecrets: (delivery: Delivery) => readonly string[];
  readonly userAgent: string;
  /** Caps on a rendered body and header; DEFAULT_FIELD_SIZE_LIMITS (256 KiB, 8 KiB) when absent. */
  readonly fieldLimits?: FieldSizeLimits;
  /** What rendering one attempt's templates may cost; DEFAULT_RENDER_LIMITS when absent. */
  readonly renderLimits?: RenderLimits;
  readonly smtp?: { readonly url?: string; readonly from?: string };
}

export function createActionRuntime(options: ActionRuntimeOptions): ActionRuntime & { close(): Promise<void> } {
  const http = new HttpClient({ connections: options.connectionsPerDestination, allowPrivateTargets: options.allowPrivateTargets });
  const mailer = options.smtp?.url
    ? new Mailer({ url: options.smtp.url, from: options.smtp.from, timeoutMs: options.defaultTimeoutMs, maxConnections: options.connectionsPerDestination })
    : null;
  return {
    http, mailer, logger: options.logger, userAgent: options.userAgent, signingSecrets: options.signingSecrets,
    fieldLimits: options.fieldLimits ?? DEFAULT_FIELD_SIZE_LIMITS, renderLimits: options.renderLimits ?? DEFAULT_RENDER_LIMITS, defaultTimeoutMs: options.defaultTimeoutMs, maxTimeoutMs: options.maxTimeoutMs,
    async close() {
      mailer?.close();
      await http.close();
    },
  };
}
