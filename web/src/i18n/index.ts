// 中文 and English: the browser's language first, then the user's choice, remembered on this device.
import { createI18n } from 'vue-i18n'
import en from './en'
import zh from './zh'

export const LOCALES = [
  { code: 'zh', label: '中文' },
  { code: 'en', label: 'English' },
] as const
export type Locale = (typeof LOCALES)[number]['code']
const STORAGE_KEY = 'imagedrive.locale'

export function pickLocale(saved: string | null, browser: readonly string[]): Locale {
  if (saved === 'zh' || saved === 'en') return saved
  for (const language of browser) {
    const base = language.toLowerCase().split('-')[0]
    if (base === 'zh' || base === 'en') return base
  }
  return 'en'
}

function savedLocale(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY)
  } catch {
    return null
  }
}

export const i18n = createI18n({
  legacy: false,
  locale: pickLocale(savedLocale(), typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]),
  fallbackLocale: 'en',
  messages: { en, zh },
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en'
  try {
    localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    /* private mode: the choice lasts for this visit */
  }
}
