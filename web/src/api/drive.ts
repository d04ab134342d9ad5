// Every API route the app uses, typed by the generated schema. Views call these, never fetch.
import { api } from './http'
import type {
  BatchUploadResponse, Category, CategoryCreate, CategoryList, ClearedLibrary, DownloadLink, DuplicateResponse,
  ExportJob, ImageCategories, ImageDetail, ImagePage, ImagePatch, ImageQuery, ImageStats, Link, SearchResponse, Summary, UploadLimits,
} from './types'

export type SearchKind = 'text' | 'image' | 'ocr' | 'hybrid'

export const drive = {
  images: (query: ImageQuery, signal?: AbortSignal) => api<ImagePage>('/images', { query, signal }),
  image: (id: number) => api<ImageDetail>(`/images/${id}`),
  updateImage: (id: number, patch: ImagePatch) => api<ImageDetail>(`/images/${id}`, { method: 'PATCH', body: patch }),
  deleteImage: (id: number) => api<void>(`/images/${id}`, { method: 'DELETE' }),
  download: (id: number) => api<DownloadLink>(`/images/${id}/download`),
  thumbnail: (id: number) => api<Link>(`/images/${id}/thumbnail`),
  changeCategories: (id: number, assign: number[], unassign: number[]) =>
    api<ImageCategories>(`/images/${id}/categories`, { method: 'POST', body: { assign, unassign } }),
  similar: (id: number, k: number, sMin: number | null) =>
    api<SearchResponse>(`/images/${id}/similar`, { query: { k, s_min: sMin } }),
  stats: () => api<ImageStats>('/images/stats'),
  clearLibrary: () => api<ClearedLibrary>('/library/clear', { method: 'POST', body: { confirm: 'DELETE ALL' } }),
  categories: () => api<CategoryList>('/categories'),
  createCategory: (body: CategoryCreate) => api<Category>('/categories', { method: 'POST', body }),
  uploadLimits: () => api<UploadLimits>('/upload/limits'),
  presignBatch: (files: { filename: string; content_type: string; size: number }[]) =>
    api<BatchUploadResponse>('/upload/batch', { method: 'POST', body: { files } }),
  search: (kind: SearchKind, body: Record<string, unknown>) =>
    api<SearchResponse>(`/search/${kind}`, { method: 'POST', body }),
  duplicates: (sMin: number, offset = 0, maxGroups = 50) =>
    api<DuplicateResponse>('/images/duplicates', { query: { s_min: sMin, offset, max_groups: maxGroups } }),
  summary: (days: number) => api<Summary>('/analytics/summary', { query: { days } }),
  startExport: (format: 'csv' | 'json') => api<ExportJob>('/analytics/exports', { method: 'POST', body: { format } }),
  pollExport: (id: string) => api<ExportJob>(`/analytics/exports/${id}`),
}

/** The phrase /library/clear wants, typed by the user before the button unlocks. */
export const CLEAR_PHRASE = 'DELETE ALL'
