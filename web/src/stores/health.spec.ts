import { describe, expect, it } from 'vitest'
import { degradedModels } from './health'

describe('degradedModels', () => {
  it('is empty when /health has no models entry (older API) or only real models', () => {
    expect(degradedModels(undefined)).toEqual([])
    expect(degradedModels(null)).toEqual([])
    expect(degradedModels({ clip: { source: 'hub', ok: true } })).toEqual([])
  })

  it('names random-init and degraded models, as a map or a list', () => {
    expect(degradedModels({ clip: { source: 'random-init' }, ocr: { source: 'rapidocr', ok: true } })).toEqual(['clip'])
    expect(degradedModels({ clip: 'random-init', text: 'hub' })).toEqual(['clip'])
    expect(degradedModels([{ name: 'clip-text', source: 'random-init' }, { name: 'ocr', status: 'degraded' }])).toEqual(['clip-text', 'ocr'])
    expect(degradedModels({ vision: { ok: false, source: 'hub' } })).toEqual(['vision'])
  })
})
