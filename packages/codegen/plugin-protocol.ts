/**
 * The codegen plugin protocol: `xenmem gen --plugin CMD` writes one {@link PluginRequest} as JSON on the plugin's
 * stdin and reads one {@link PluginResponse} as JSON from its stdout. plugin-protocol.schema.json is generated
 * from these types (scripts/gen-plugin-schema.mjs); docs/codegen.md describes the exchange. The file imports nothing,
 * so that the JSON Schema holds these types alone.
 */
/** The protocol version this xenmem speaks; a plugin answering another version is refused. */
export const PLUGIN_PROTOCOL_VERSION = 1;

/** What a plugin receives on stdin: one JSON document, then end of file. */
export interface PluginRequest {
  /** The protocol version of the request (1). */
  protocolVersion: 1;
  /** The schema, validated: the document of schema/xen-abi.json or of the user's --schema file, as JSON (its format: @xenmem/schema's XenAbiSchema, schema/xen-abi.schema.json). */
  schema: object;
  /** The command line's options that concern a plugin. */
  options: PluginOptions;
}

/** The options a plugin receives. */
export interface PluginOptions {
  /** `--iface`, resolved to a number (a release name becomes its latest interface version); absent when not given. A plugin may restrict its output to this version. */
  iface?: number;
  /** Where the schema came from: the `--schema` path as given, or "schema/xen-abi.json" for the shipped one. */
  schemaSource: string;
}

/** One file a plugin writes. */
export interface PluginFile {
  /** Its path relative to the output directory, with "/" separators: not absolute, no "." or ".." segment, no backslash. */
  name: string;
  /** Its whole text, written as UTF-8. */
  contents: string;
}

/** What a plugin answers on stdout: its files, or an error. */
export type PluginResponse = PluginSuccess | PluginErrorResponse;

/** A plugin's files. */
export interface PluginSuccess {
  /** The protocol version the plugin speaks (1). */
  protocolVersion: 1;
  /** Every file to write, each name once. */
  files: PluginFile[];
}

/** A plugin's refusal: nothing is written and xenmem exits 1 with this message. */
export interface PluginErrorResponse {
  /** The protocol version the plugin speaks (1). */
  protocolVersion: 1;
  /** What went wrong, as a sentence for the user. */
  error: string;
}
