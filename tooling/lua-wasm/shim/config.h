/* config.h for sha1.c alone: byte order from the C library. */
#include <endian.h>
