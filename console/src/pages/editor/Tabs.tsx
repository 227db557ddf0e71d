// A WAI-ARIA tablist: arrow keys, Home and End move between tabs; only the chosen tab is in the tab order.
import { useRef, type KeyboardEvent } from 'react';

export function Tabs<T extends string>({ label, tabs, current, onChange }: { label: string; tabs: ReadonlyArray<{ id: T; label: string }>; current: T; onChange(id: T): void }) {
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const key = (event: KeyboardEvent, index: number) => {
    const last = tabs.length - 1;
    const next = event.key === 'ArrowRight' ? (index === last ? 0 : index + 1) : event.key === 'ArrowLeft' ? (index === 0 ? last : index - 1) : event.key === 'Home' ? 0 : event.key === 'End' ? last : undefined;
    if (next === undefined) return;
    event.preventDefault();
    onChange(tabs[next].id);
    refs.current[next]?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className="tabs">
      {tabs.map((tab, i) => (
        <button key={tab.id} ref={(el) => { refs.current[i] = el; }} type="button" role="tab" id={`tab-${tab.id}`} aria-selected={tab.id === current}
          aria-controls={`panel-${tab.id}`} tabIndex={tab.id === current ? 0 : -1} onClick={() => onChange(tab.id)} onKeyDown={(e) => key(e, i)}>
          {tab.label}
        </button>
      ))}
    </div>
  );
}
