import { render } from 'preact';
import { App } from './components/App/App';
import { msg, uiLocale } from './i18n';
import './popup.css';

document.documentElement.lang = uiLocale();
document.title = msg('popupHeading');
render(<App />, document.getElementById('app')!);
