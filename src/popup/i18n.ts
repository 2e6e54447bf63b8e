// The popup's words come from _locales through the browser, so they follow the browser's UI
// language. Formatting functions take a `Msg` so they can be tested with either language.
import browser from 'webextension-polyfill';
import type en from '../../_locales/en/messages.json';
import { cachedMessages } from './message-cache';

export type MessageKey = keyof typeof en;
export type Msg = (key: MessageKey, substitutions?: string | string[]) => string;

export const msg: Msg = cachedMessages((key, substitutions) => browser.i18n.getMessage(key, substitutions));

let locale: string | undefined;
export const uiLocale = (): string => (locale ??= browser.i18n.getUILanguage() || 'en');
