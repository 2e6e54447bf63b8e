import { render } from 'preact';
import { App } from './components/App/App';
import { startListQueries } from './data';
import { msg, uiLocale } from './i18n';
import './popup.css';

// Every module is evaluated: the bench's account of a first render starts its own part here.
performance.mark('popup:script');
// The store is read while the first frame is built.
startListQueries();
document.documentElement.lang = uiLocale();
document.title = msg('popupHeading');
render(<App />, document.getElementById('app')!);
