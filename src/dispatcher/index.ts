// The dispatcher's public surface.
export { Dispatcher, type DispatcherDeps } from './dispatcher.ts';
export { DISPATCHER_DEFAULTS, resolveDispatcherConfig, type DispatcherConfig, type ResolvedDispatcherConfig } from './config.ts';
export { afterFailure, backoffDelay, type RetryDecision } from './retry-policy.ts';
