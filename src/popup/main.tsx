import { render } from 'preact';
render(<p>bgfetch</p>, document.getElementById('app')!);
