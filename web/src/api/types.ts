// Short names for the API's shapes; all of them come from the generated schema.d.ts.
import type { components } from './schema'

type Schemas = components['schemas']
export type ApiErrorBody = Schemas['ErrorBody']
export type User = Schemas['UserOut']
export type TokenOut = Schemas['TokenOut']
export type ImageSummary = Schemas['ImageSummary']
export type ImageDetail = Schemas['ImageDetail']
export type ImagePage = Schemas['ImagePage']
export type ImagePatch = Schemas['ImagePatch']
export type ImageStats = Schemas['ImageStats']
export type ImageCategory = Schemas['ImageCategory']
export type ImageCategories = Schemas['ImageCategories']
export type DownloadLink = Schemas['DownloadLink']
export type Link = Schemas['Link']
export type Category = Schemas['CategoryOut']
export type CategoryList = Schemas['CategoryList']
export type CategoryCreate = Schemas['CategoryCreate']
export type PresignedPost = Schemas['PresignedPost']
export type BatchUploadResponse = Schemas['BatchUploadResponse']
export type UploadLimits = Schemas['UploadLimits']
export type SearchResponse = Schemas['SearchResponse']
export type SearchHit = Schemas['SearchHit']
export type Timing = Schemas['Timing']
export type DuplicateResponse = Schemas['DuplicateResponse']
export type DuplicateGroup = Schemas['DuplicateGroup']
export type Summary = Schemas['Summary']
export type ExportJob = Schemas['ExportJob']
export type ClearedLibrary = Schemas['ClearedLibrary']

export type Status = ImageSummary['status']
export type Visibility = ImageSummary['visibility']
export type ImageQuery = {
  scope?: 'visible' | 'mine'
  status?: Status
  visibility?: Visibility
  category?: number
  q?: string
  uploaded_from?: string
  uploaded_to?: string
  sort?: 'newest' | 'oldest' | 'name' | 'size'
  limit?: number
  cursor?: string
}
