// The language of the console: Korean or English, chosen in the header and remembered in localStorage. Messages,
// numbers and dates go through react-intl (FormatJS), which formats with the browser's Intl for that locale.
// Each language's catalogue is a chunk of its own, fetched with the page (about 60 KiB of text each): only the
// language in use is loaded.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { IntlProvider, useIntl } from 'react-intl';
import type { MessageKey } from './en.ts';

export type Locale = 'en' | 'ko';
export const LOCALES: readonly Locale[] = ['ko', 'en'];
type Catalogue = Record<MessageKey, string>;
const LOADERS: Record<Locale, () => Promise<Catalogue>> = {
  en: () => import('./en.ts').then((m) => m.en),
  ko: () => import('./ko.ts').then((m) => m.ko),
};
const loaded: Partial<Record<Locale, Catalogue>> = {};
const loading: Partial<Record<Locale, Promise<Catalogue>>> = {};
const STORAGE_KEY = 'ifthen.locale';

function load(locale: Locale): Promise<Catalogue> {
  return (loading[locale] ??= LOADERS[locale]().then((messages) => (loaded[locale] = messages)));
}

function initialLocale(): Locale {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'ko') return stored;
  return navigator.language.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

// Asked for as soon as this module runs, before React renders anything.
void load(initialLocale());

const LocaleContext = createContext<{ locale: Locale; setLocale(locale: Locale): void }>({ locale: 'en', setLocale: () => {} });

export function LocaleProvider({ children }: { children: ReactNode }) {
  // The language shown: it changes only once its catalogue is here, so no page ever shows message ids.
  const [shown, setShown] = useState<{ locale: Locale; messages: Catalogue } | undefined>();
  const [wanted, setWanted] = useState<Locale>(initialLocale);
  useEffect(() => {
    let current = true;
    const ready = loaded[wanted];
    const done = (messages: Catalogue) => {
      loaded[wanted] = messages;
      if (!current) return;
      document.documentElement.lang = wanted;
      setShown({ locale: wanted, messages });
    };
    if (ready) done(ready);
    else void load(wanted).then(done);
    return () => { current = false; };
  }, [wanted]);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(STORAGE_KEY, next);
    setWanted(next);
  }, []);
  const value = useMemo(() => ({ locale: shown?.locale ?? wanted, setLocale }), [shown, wanted, setLocale]);
  if (!shown) return null; // a few milliseconds at the first load, while the catalogue arrives with the page's script
  return (
    <LocaleContext.Provider value={value}>
      <IntlProvider locale={shown.locale} defaultLocale="en" messages={shown.messages}>{children}</IntlProvider>
    </LocaleContext.Provider>
  );
}

export const useLocale = () => useContext(LocaleContext);

/** `t('key', values)`: only keys of the catalogue type-check. */
export function useT() {
  const intl = useIntl();
  return useCallback((id: MessageKey, values?: Record<string, string | number | Date>) => intl.formatMessage({ id }, values), [intl]);
}
