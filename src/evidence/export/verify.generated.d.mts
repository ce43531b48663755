/**
 * Types for importing the generated verifier as text (`with { type: "text" }`), which is how the
 * export command embeds it: the default export is then the file's source, a string.
 * @module
 */
declare const source: string;
export default source;
