// A browser-like client for the auth tests: keeps the session cookie and sends the CSRF token when told.
import { ADMIN_TOKEN, type InProcessServer } from '../support/server.ts';

export interface Answer { status: number; body: any; headers: Headers; text: string }

export class Browser {
  cookie: string | undefined;
  csrf: string | undefined;
  constructor(private readonly url: string) {}

  async send(method: string, path: string, body?: unknown, options: { csrf?: boolean; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (this.cookie) headers.cookie = this.cookie;
    if ((options.csrf ?? true) && this.csrf) headers['x-csrf-token'] = this.csrf;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] = typeof body === 'string' ? 'application/yaml' : 'application/json';
    }
    const response = await fetch(`${this.url}${path}`, { method, headers, body: payload });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      this.cookie = /Max-Age=0/i.test(setCookie) ? undefined : pair;
    }
    const text = await response.text();
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
    return { status: response.status, body: parsed, headers: response.headers, text };
  }

  async signIn(username: string, password: string): Promise<Answer> {
    const answer = await this.send('POST', '/v1/session', { username, password });
    if (answer.status === 200) this.csrf = answer.body.csrf_token;
    return answer;
  }
}

/** Adds a user with the admin token. */
export async function addUser(server: InProcessServer, username: string, role: string, password = `${username}-password-1`): Promise<string> {
  const answer = await server.request('POST', '/v1/users', { username, password, role }, { token: ADMIN_TOKEN });
  if (answer.status !== 201) throw new Error(`adding ${username}: ${answer.status} ${answer.text}`);
  return password;
}

export const RULE = (id: string, message = 'order placed') => `id: ${id}
# the team's first rule
when:
  event: order.placed
then:
  - log:
      message: "${message}"
`;
