/** Which browser this build is for, set by the build (vite `define`). */
declare const __TARGET__: 'firefox' | 'chromium';
