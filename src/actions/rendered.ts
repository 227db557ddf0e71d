// What each action kind renders to: exactly what is then sent (the preview shows the same thing).

/** An HTTP request (webhook and chat). Header names keep the case the rule wrote them in. */
export interface RenderedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface RenderedMail {
  /** Null: the server's default sender (IFTHEN_SMTP_FROM). */
  readonly from: string | null;
  readonly to: string;
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
}

export interface RenderedLogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export interface RenderedActions {
  readonly webhook: RenderedRequest;
  readonly chat: RenderedRequest;
  readonly email: RenderedMail;
  readonly log: RenderedLogLine;
}
