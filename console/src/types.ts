// Shapes of the API answers the console reads (see /docs for the full OpenAPI description).
export interface SessionUser { username: string; role: string }
export interface SessionAnswer { user: SessionUser; csrf_token: string }

export interface OverviewPoint { t: string; eventsPerSecond: number; firingsPerSecond: number; delivered: number; retried: number; died: number; lagSeconds: number }
export type Problem = 'lag-growing' | 'dead-deliveries' | 'processing-errors' | 'rule-errors' | 'pipeline-unavailable';
export interface Overview {
  window: '1h' | '24h';
  stepSeconds: number;
  now: {
    at: string; healthy: boolean; problems: Problem[]; eventsPerSecond: number; firingsPerSecond: number; lagSeconds: number; lagEvents: number;
    deliveries: { delivered: number; retried: number; died: number }; deadDeliveries: number; outboxDepth: number;
    totals: { ingested: number; processed: number; firings: number };
  };
  slowestDestinations: Array<{ kind: string; averageSeconds: number; attempts: number }>;
  points: OverviewPoint[];
}

export interface StoredEvent { position: string; id: string; type: string; subject: string; time: string; receivedAt: string; properties: Record<string, unknown> }
export interface EventTypeInfo { type: string; count: number; firstSeen: string; lastSeen: string; properties: Array<{ path: string; types: string[]; example: unknown; seen: number }> }
export interface EventTypes { sampled: number; items: EventTypeInfo[] }
