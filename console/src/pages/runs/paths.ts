// The console paths of one firing, delivery or subject (ids may hold any character, so they are encoded).
const enc = encodeURIComponent;

export const firingPath = (id: string) => `/runs/firings/${enc(id)}`;
export const deliveryPath = (id: string) => `/runs/deliveries/${enc(id)}`;
export const subjectPath = (id: string, rule?: string) => `/subjects/${enc(id)}${rule ? `?rule=${enc(rule)}` : ''}`;
