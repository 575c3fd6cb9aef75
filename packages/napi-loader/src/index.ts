/**
 * @xenmem/napi-loader: loads a xenmem package's napi-rs addon through its generated loader and says in one line
 * why it did not load. Used by @xenmem/hypervisor-sim (the p2m core), @xenmem/shm-transport and @xenmem/xen-host.
 */
export { loadNapiAddon, type NapiAddon, type NapiAddonLoaded, type NapiAddonOptions, type NapiAddonPlatform, type NapiAddonUnavailable } from './load-napi-addon.js';
