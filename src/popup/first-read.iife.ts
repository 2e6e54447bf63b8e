// The popup page's first script, a classic one (index.html): it starts the store's first read so
// that it runs while the page loads and evaluates the popup's modules (src/popup/first-read.ts).
// The marks are the bench's account of where a first render's time goes (bench popup-render).
import { FIRST_READ_KEY, readRegistrations, type EarlyRead } from './first-read';

performance.mark('popup:read');
(globalThis as EarlyRead)[FIRST_READ_KEY] = readRegistrations('bgfetch').then((answers) => {
  performance.mark('popup:answer');
  return answers;
});
