// OpenAPI v3 documents describing the API orca serves (what kubectl reads for
// --validate=strict, apply's strategic merge patches and explain).
export { buildDocument, documentPaths, groupVersionPath } from './document.ts';
export {
  hashOf,
  type OpenApiRequest,
  type OpenApiResponse,
  OpenApiV3Service,
  openapiDocument,
  openapiRoot,
  type Serialized,
  serverRelativeURL,
} from './service.ts';
