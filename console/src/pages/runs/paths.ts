// The console paths of one firing, delivery or subject. The server sends a path ending like a file name
// (`.0`, `.com`) as a missing file rather than the console, and every delivery id ends in `.<action>`: such
// a path gets a trailing slash, so a reload or a shared link opens the page.
const enc = encodeURIComponent;
const safe = (path: string) => (/\.[a-z0-9]+$/i.test(path) ? `${path}/` : path);

export const firingPath = (id: string) => safe(`/runs/firings/${enc(id)}`);
export const deliveryPath = (id: string) => safe(`/runs/deliveries/${enc(id)}`);
export const subjectPath = (id: string, rule?: string) => `${safe(`/subjects/${enc(id)}`)}${rule ? `?rule=${enc(rule)}` : ''}`;
