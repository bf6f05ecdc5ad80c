import { createRequire } from 'node:module';
import type * as K from 'kafkajs';

// kafkajs is CommonJS and Node's ESM loader does not see these enums as named exports: read them
// from the module object. For the workshop labs (dynamic configuration, ACLs).
const kafkajs = createRequire(import.meta.url)('kafkajs') as typeof K;

export const AclOperationTypes = kafkajs.AclOperationTypes;
export type AclOperationTypes = K.AclOperationTypes;
export const AclPermissionTypes = kafkajs.AclPermissionTypes;
export type AclPermissionTypes = K.AclPermissionTypes;
export const AclResourceTypes = kafkajs.AclResourceTypes;
export type AclResourceTypes = K.AclResourceTypes;
export const ConfigResourceTypes = kafkajs.ConfigResourceTypes;
export type ConfigResourceTypes = K.ConfigResourceTypes;
export const ConfigSource = kafkajs.ConfigSource;
export type ConfigSource = K.ConfigSource;
export const ResourcePatternTypes = kafkajs.ResourcePatternTypes;
export type ResourcePatternTypes = K.ResourcePatternTypes;
