// The language of the console: Korean or English, chosen in the header and remembered in localStorage. Messages,
// numbers and dates go through react-intl (FormatJS), which formats with the browser's Intl for that locale.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { IntlProvider, useIntl } from 'react-intl';
import { en, type MessageKey } from './en.ts';
import { ko } from './ko.ts';

export type Locale = 'en' | 'ko';
export const LOCALES: readonly Locale[] = ['ko', 'en'];
const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en, ko };
const STORAGE_KEY = 'ifthen.locale';

function initialLocale(): Locale {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'ko') return stored;
  return navigator.language.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

const LocaleContext = createContext<{ locale: Locale; setLocale(locale: Locale): void }>({ locale: 'en', setLocale: () => {} });

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [locale, setState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setState(next);
  }, []);
  document.documentElement.lang = locale;
  const value = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return (
    <LocaleContext.Provider value={value}>
      <IntlProvider locale={locale} defaultLocale="en" messages={CATALOGUES[locale]}>{children}</IntlProvider>
    </LocaleContext.Provider>
  );
}

export const useLocale = () => useContext(LocaleContext);

/** `t('key', values)`: only keys of the catalogue type-check. */
export function useT() {
  const intl = useIntl();
  return useCallback((id: MessageKey, values?: Record<string, string | number | Date>) => intl.formatMessage({ id }, values), [intl]);
}
