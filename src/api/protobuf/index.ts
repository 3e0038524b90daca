// Kubernetes protobuf request bodies (what `kubectl create <kind>` sends), decoded to JSON objects.
export { decodeProtobufObject, isProtobufContentType, protobufContentType } from './decode.ts';
