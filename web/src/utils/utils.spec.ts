import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/http'
import { describeError } from './errors'
import { formatBytes } from './format'
import { highlightParts } from './highlight'
import { checkPassword, passwordAcceptable } from './password'

describe('password policy (mirrors imagedrive/auth/passwords.py)', () => {
  it('wants 12 to 128 characters, no user name, more than a few distinct characters', () => {
    expect(checkPassword('short', 'bob').length).toBe(false)
    expect(checkPassword('a'.repeat(129), 'bob').length).toBe(false)
    expect(checkPassword('aaaaaaaaaaaa', 'bob')).toEqual({ length: true, noUsername: true, distinct: false })
    expect(checkPassword('xxBOBxx-1234', 'bob').noUsername).toBe(false)
    expect(passwordAcceptable('correct horse battery', 'bob')).toBe(true)
  })
})

describe('highlightParts', () => {
  it('cuts a snippet at the API ranges, counting code points like Python', () => {
    expect(highlightParts('pay INVOICE now', [[4, 11]])).toEqual([
      { text: 'pay ', hit: false }, { text: 'INVOICE', hit: true }, { text: ' now', hit: false },
    ])
    expect(highlightParts('😀发票号', [[1, 3]])).toEqual([
      { text: '😀', hit: false }, { text: '发票', hit: true }, { text: '号', hit: false },
    ])
  })

  it('tolerates overlapping and out-of-range ranges', () => {
    expect(highlightParts('abcdef', [[1, 3], [2, 4], [5, 99], [-3, 0]])).toEqual([
      { text: 'a', hit: false }, { text: 'bcd', hit: true }, { text: 'e', hit: false }, { text: 'f', hit: true },
    ])
  })
})

describe('describeError', () => {
  it('shows the API message, with the fields a validation refused', () => {
    expect(describeError(new ApiError(409, 'conflict', 'that user name is taken'))).toBe('that user name is taken')
    const invalid = new ApiError(422, 'validation_failed', 'the body is not valid',
      [{ loc: ['body', 'password'], msg: 'String should have at least 12 characters', type: 'string_too_short' }])
    expect(describeError(invalid)).toBe('the body is not valid (password: String should have at least 12 characters)')
  })
})

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MB')
  })
})
