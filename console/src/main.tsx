import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { LocaleProvider } from './i18n/index.tsx';
import { SessionProvider } from './session.tsx';
import { App } from './App.tsx';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* The session check starts at once, while the language's catalogue is still arriving. */}
    <SessionProvider>
      <LocaleProvider>
        <App />
      </LocaleProvider>
    </SessionProvider>
  </StrictMode>,
);
