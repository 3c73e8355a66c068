/* solarisfixes.h for sha1.c alone: nothing to fix on WebAssembly. */
