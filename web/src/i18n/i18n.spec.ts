import { describe, expect, it } from 'vitest'
import en from './en'
import { pickLocale } from './index'
import zh from './zh'

function keys(messages: object, prefix = ''): string[] {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === 'object' ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`])
}

function placeholders(messages: object): Record<string, string[]> {
  const flat: Record<string, string[]> = {}
  const walk = (node: object, prefix: string) => {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'object') walk(value, `${prefix}${key}.`)
      else flat[`${prefix}${key}`] = [...String(value).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    }
  }
  walk(messages, '')
  return flat
}

describe('i18n', () => {
  it('has every English key in Chinese and no other', () => {
    expect(keys(zh).sort()).toEqual(keys(en).sort())
  })

  it('uses the same placeholders in both languages', () => {
    expect(placeholders(zh)).toEqual(placeholders(en))
  })

  it('has no empty message', () => {
    const empty = (m: object) => keys(m).filter((k) => !k.split('.').reduce((n: any, p) => n[p], m))
    expect(empty(en)).toEqual([])
    expect(empty(zh)).toEqual([])
  })

  it('follows the browser language unless the user chose one', () => {
    expect(pickLocale(null, ['zh-CN', 'en-US'])).toBe('zh')
    expect(pickLocale(null, ['zh-TW'])).toBe('zh')
    expect(pickLocale(null, ['de-DE', 'en-GB'])).toBe('en')
    expect(pickLocale(null, ['fr-FR'])).toBe('en')
    expect(pickLocale('en', ['zh-CN'])).toBe('en')
    expect(pickLocale('zh', ['en-US'])).toBe('zh')
    expect(pickLocale('xx', ['zh-CN'])).toBe('zh')
  })
})
