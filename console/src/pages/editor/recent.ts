// Recent stored events of the trigger's type(s), newest first: the events a preview renders on and a test starts from.
import { useEffect, useState } from 'react';
import { call, isAbort } from './request.ts';
import type { StoredEvent } from '../../types.ts';

export function useRecentEvents(types: readonly string[]): { events: StoredEvent[] | undefined; error?: string } {
  const [state, setState] = useState<{ events: StoredEvent[] | undefined; error?: string }>({ events: undefined });
  const key = types.join(',');
  useEffect(() => {
    const controller = new AbortController();
    const chosen = types.filter((x) => x !== '*');
    // One request a type (the API filters by one type), merged newest first.
    const requests = (chosen.length ? chosen.slice(0, 5) : ['']).map((type) =>
      call<{ items: StoredEvent[] }>('GET', `/v1/events?limit=20${type ? `&type=${encodeURIComponent(type)}` : ''}`, undefined, { signal: controller.signal }));
    Promise.all(requests)
      .then((answers) => setState({ events: answers.flatMap((a) => a.items).sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : Number(b.position) - Number(a.position))).slice(0, 20) }))
      .catch((error: Error) => { if (!isAbort(error)) setState({ events: [], error: error.message }); });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state;
}
