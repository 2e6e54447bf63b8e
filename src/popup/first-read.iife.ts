// The popup page's first script, a classic one (index.html): it starts the store's first read so
// that it runs while the page loads and evaluates the popup's modules (src/popup/first-read.ts).
import { FIRST_READ_KEY, readRegistrations, type EarlyRead } from './first-read';

(globalThis as EarlyRead)[FIRST_READ_KEY] = readRegistrations('bgfetch');
