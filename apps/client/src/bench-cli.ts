// Entry point of the shoal-bench executable.
export {};
