// Form fields bound to a path of the draft: the label, the control, a hint, and the server's message for that
// path right under it (aria-invalid, aria-describedby), so an error is read out with its field.
import { useEffect, useId, useState, type ReactNode } from 'react';
import { useEditor } from './context.tsx';
import { fieldId, getAt, type Json } from './path.ts';

interface Common { path: string; label: string; hint?: ReactNode; className?: string }

function Message({ path, errorId }: { path: string; errorId: string }) {
  const { errors } = useEditor();
  const message = errors.get(path);
  return message ? <p className="field-error" id={errorId}>{message}</p> : null;
}

function useField(path: string, hint: ReactNode) {
  const { errors } = useEditor();
  const base = useId();
  const hintId = `${base}-hint`;
  const errorId = `${base}-error`;
  const invalid = errors.has(path);
  const describedBy = [hint ? hintId : '', invalid ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return { hintId, errorId, invalid, describedBy, id: fieldId(path) };
}

/** A text input; an empty value removes the key (so optional fields stay out of the document). */
export function TextField({ path, label, hint, className, list, placeholder, multiline, required, onText, value: given }: Common & { list?: string; placeholder?: string; multiline?: number; required?: boolean; onText?: (text: string) => void; value?: string }) {
  const { doc, update } = useEditor();
  const f = useField(path, hint);
  const current = getAt(doc, path);
  const value = given ?? (typeof current === 'string' ? current : current === undefined || current === null ? '' : JSON.stringify(current));
  const change = (text: string) => (onText ? onText(text) : update(path, text === '' && !required ? undefined : text));
  const props = { id: f.id, value, 'aria-invalid': f.invalid || undefined, 'aria-describedby': f.describedBy, placeholder, required, onChange: (e: { target: { value: string } }) => change(e.target.value) };
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={f.id}>{label}</label>
      {multiline ? <textarea rows={multiline} spellCheck={false} {...props} /> : <input type="text" list={list} autoComplete="off" spellCheck={false} {...props} />}
      {hint && <span className="hint" id={f.hintId}>{hint}</span>}
      <Message path={path} errorId={f.errorId} />
    </div>
  );
}

/** A number input; an empty value removes the key. */
export function NumberField({ path, label, hint, className, min, max, step }: Common & { min?: number; max?: number; step?: number }) {
  const { doc, update } = useEditor();
  const f = useField(path, hint);
  const current = getAt(doc, path);
  const shown = typeof current === 'number' ? String(current) : '';
  // Kept as typed ("2." on the way to "2.5"); a change from elsewhere replaces it.
  const [text, setText] = useState(shown);
  useEffect(() => { if ((text === '' ? undefined : Number(text)) !== current) setText(shown); }, [current]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={f.id}>{label}</label>
      <input type="number" id={f.id} inputMode="decimal" min={min} max={max} step={step ?? 'any'} value={text}
        aria-invalid={f.invalid || undefined} aria-describedby={f.describedBy}
        onChange={(e) => { setText(e.target.value); update(path, e.target.value === '' || Number.isNaN(Number(e.target.value)) ? undefined : Number(e.target.value)); }} />
      {hint && <span className="hint" id={f.hintId}>{hint}</span>}
      <Message path={path} errorId={f.errorId} />
    </div>
  );
}

export function SelectField({ path, label, hint, className, options, empty }: Common & { options: ReadonlyArray<{ value: string; label: string }>; empty?: string }) {
  const { doc, update } = useEditor();
  const f = useField(path, hint);
  const current = getAt(doc, path);
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={f.id}>{label}</label>
      <select id={f.id} value={typeof current === 'string' ? current : ''} aria-invalid={f.invalid || undefined} aria-describedby={f.describedBy}
        onChange={(e) => update(path, e.target.value === '' ? undefined : e.target.value)}>
        {empty !== undefined && <option value="">{empty}</option>}
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
      {hint && <span className="hint" id={f.hintId}>{hint}</span>}
      <Message path={path} errorId={f.errorId} />
    </div>
  );
}

/** A checkbox that adds a part of the document (with its defaults) or removes it. */
export function Toggle({ path, label, defaults, children }: { path: string; label: string; defaults: Json; children?: ReactNode }) {
  const { doc, update } = useEditor();
  const on = getAt(doc, path) !== undefined;
  const id = fieldId(path);
  return (
    <fieldset className="toggle-group">
      <legend className="visually-hidden">{label}</legend>
      <label className="check" htmlFor={`${id}-on`}>
        <input type="checkbox" id={`${id}-on`} checked={on} onChange={(e) => update(path, e.target.checked ? defaults : undefined)} />
        {label}
      </label>
      {on && <div className="toggle-body" id={id} tabIndex={-1}>{children}</div>}
    </fieldset>
  );
}

/** A JSON value edited as text: kept as text while it does not parse, with the parse error at the field. */
export function JsonField({ path, label, hint, text, setText, className }: Common & { text: string | undefined; setText(text: string | undefined): void }) {
  const { doc, update, errors } = useEditor();
  const f = useField(path, hint);
  const current = getAt(doc, path);
  const shown = text ?? (current === undefined ? '' : JSON.stringify(current, null, 2));
  let local: string | undefined;
  if (text !== undefined && text.trim() !== '') { try { JSON.parse(text); } catch (error) { local = (error as Error).message; } }
  const message = local ?? errors.get(path);
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={f.id}>{label}</label>
      <textarea id={f.id} rows={4} spellCheck={false} value={shown} aria-invalid={message ? true : undefined} aria-describedby={[hint ? f.hintId : '', message ? f.errorId : ''].filter(Boolean).join(' ') || undefined}
        onChange={(e) => {
          const value = e.target.value;
          setText(value);
          if (value.trim() === '') update(path, undefined);
          else { try { update(path, JSON.parse(value) as Json); } catch { /* kept as text until it parses */ } }
        }} />
      {hint && <span className="hint" id={f.hintId}>{hint}</span>}
      {message && <p className="field-error" id={f.errorId}>{message}</p>}
    </div>
  );
}
