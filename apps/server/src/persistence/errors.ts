// Errors persistence throws that commands answer with their own text (a leaf module, so a command
// file can test for them without importing persistence and, through it, the server).

/** DEBUG RELOAD NOFLUSH without MERGE met a key present both in the file and in memory. */
export class DuplicateKeyError extends Error {}
