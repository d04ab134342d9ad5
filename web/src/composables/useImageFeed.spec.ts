// Paging over the API's keyset cursor against a scripted /images.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import { useImageFeed } from './useImageFeed'

let pages: Record<string, { items: { id: number; status: string }[]; next_cursor: string | null }>
let asked: URLSearchParams[]

beforeEach(() => {
  setActivePinia(createPinia())
  asked = []
  pages = {
    '': { items: [{ id: 9, status: 'READY' }, { id: 8, status: 'PENDING' }], next_cursor: 'c1' },
    c1: { items: [{ id: 8, status: 'PENDING' }, { id: 7, status: 'READY' }], next_cursor: null },
  }
  vi.stubGlobal('fetch', async (url: string) => {
    const [path, search] = url.split('?')
    const params = new URLSearchParams(search)
    let body: unknown
    if (path === '/api/images') {
      asked.push(params)
      body = pages[params.get('cursor') ?? '']
    } else body = { id: 8, status: 'READY', filename: 'x.png' }
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
})
afterEach(() => vi.unstubAllGlobals())

function withFeed() {
  let feed!: ReturnType<typeof useImageFeed>
  const wrapper = mount(defineComponent({ setup() { feed = useImageFeed(); return () => h('div') } }))
  return { feed, wrapper }
}

describe('useImageFeed', () => {
  it('follows the cursor page by page, shows each image once and stops at the last page', async () => {
    const { feed, wrapper } = withFeed()
    await feed.reset({ scope: 'mine', status: 'READY' })
    await feed.loadMore()
    await feed.loadMore() // after the last page: no request
    expect(feed.items.value.map((i) => i.id)).toEqual([9, 8, 7])
    expect(feed.done.value).toBe(true)
    expect(asked).toHaveLength(2)
    expect(asked[0].get('scope')).toBe('mine')
    expect(asked[0].get('status')).toBe('READY')
    expect(asked[1].get('cursor')).toBe('c1')
    wrapper.unmount()
  })

  it('updates PENDING images in place and puts new ones on top', async () => {
    const { feed, wrapper } = withFeed()
    await feed.reset({})
    await feed.refreshPending()
    expect(feed.items.value.find((i) => i.id === 8)?.status).toBe('READY')
    pages[''] = { items: [{ id: 10, status: 'PENDING' }, { id: 9, status: 'READY' }], next_cursor: 'c1' }
    await feed.prependNew()
    expect(feed.items.value.map((i) => i.id)).toEqual([10, 9, 8])
    wrapper.unmount()
  })
})
