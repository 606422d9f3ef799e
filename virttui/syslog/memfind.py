"""Finding bytes in a buffer with the C library's memmem.

bytearray.find is slow on short needles made of common letters, which is what a domain's or
a host's name in a log is: glibc's memmem finds them two to three times faster. Where the C
library has no memmem, bytearray.find does the same work.
"""

import ctypes
from collections.abc import Callable


def _memmem():
    try:
        memmem = ctypes.CDLL("libc.so.6").memmem
    except (OSError, AttributeError):
        return None
    memmem.restype = ctypes.c_void_p
    memmem.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    return memmem


MEMMEM = _memmem()


def finder(buffer: bytearray) -> Callable[[bytes, int, int], int]:
    """find(needle, start, end) over `buffer`, as bytearray.find; `buffer` must keep its size
    while the finder is used (its address is taken once)."""
    if MEMMEM is None:
        return buffer.find
    view = (ctypes.c_char * len(buffer)).from_buffer(buffer)
    address = ctypes.addressof(view)
    del view   # lets the buffer be resized again, once this finder is dropped

    def find(needle: bytes, start: int, end: int) -> int:
        if end - start < len(needle):
            return -1
        found = MEMMEM(address + start, end - start, needle, len(needle))
        return found - address if found else -1
    return find
