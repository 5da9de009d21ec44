// All live properties the server knows, in one registry.
import { aclProperties } from './acl.js';
import { appleProperties } from './apple.js';
import { caldavProperties } from './caldav.js';
import { carddavProperties } from './carddav.js';
import { pushProperties } from './push.js';
import { PropertyRegistry } from './registry.js';
import { syncProperties } from './sync.js';
import { webdavProperties } from './webdav.js';

export const properties = new PropertyRegistry([
  ...webdavProperties,
  ...aclProperties,
  ...syncProperties,
  ...caldavProperties,
  ...carddavProperties,
  ...appleProperties,
  ...pushProperties,
]);
