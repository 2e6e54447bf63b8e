import { render } from 'preact';
import { App } from './components/App/App';
import { startListQueries } from './data';
import { msg, uiLocale } from './i18n';
import './popup.css';

/**
 * How long the first render waits for the store's early answer (first-read.ts, started before
 * the modules loaded): one render with the list instead of a "Loading" frame and a second render
 * a frame later. A store slower than this shows "Loading" first, as without the wait.
 */
const FIRST_ANSWER_WAIT_MS = 250;

// Every module is evaluated: the bench's account of a first render starts its own part here.
performance.mark('popup:script');
const { ready } = startListQueries();
document.documentElement.lang = uiLocale();
document.title = msg('popupHeading');
void Promise.race([ready, new Promise((resolve) => setTimeout(resolve, FIRST_ANSWER_WAIT_MS))]).then(() =>
  render(<App />, document.getElementById('app')!),
);
