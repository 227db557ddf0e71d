// The SMTP side of the email action: one pooled nodemailer transport per dispatcher, from IFTHEN_SMTP_URL.
import { createTransport } from 'nodemailer';

export interface MailerOptions {
  /** e.g. smtp://user:pass@mail.example.com:587 or smtps://…; credentials in the URL stay in the config. */
  readonly url: string;
  readonly from?: string;
  readonly timeoutMs: number;
  readonly maxConnections: number;
}

export interface OutgoingMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
}

export class Mailer {
  readonly defaultFrom: string | undefined;
  /** `smtp://host:port`: the server without its credentials, for the record of what was sent. */
  readonly server: string;
  readonly timeoutMs: number;
  readonly #transport;

  constructor(options: MailerOptions) {
    this.defaultFrom = options.from;
    this.server = serverOf(options.url);
    this.timeoutMs = options.timeoutMs;
    this.#transport = createTransport({
      url: options.url, pool: true, maxConnections: Math.max(1, options.maxConnections),
      connectionTimeout: options.timeoutMs, greetingTimeout: options.timeoutMs, socketTimeout: options.timeoutMs,
    });
  }

  /** Resolves with the server's final reply ("250 2.0.0 Ok: queued as …"). */
  async send(mail: OutgoingMail): Promise<string> {
    const info = await this.#transport.sendMail({ ...mail, headers: { ...mail.headers } });
    return String(info.response ?? '');
  }

  close(): void {
    this.#transport.close();
  }
}

function serverOf(url: string): string {
  try {
    const { protocol, host } = new URL(url);
    return `${protocol}//${host}`;
  } catch {
    return 'smtp';
  }
}
