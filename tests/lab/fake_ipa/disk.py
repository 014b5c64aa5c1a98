"""A machine's disk: a sparse file of a fixed size standing for /dev/sda.

It survives power cycles (only the agent's memory is lost), as a real disk does.
"""
import os
import struct
import threading

DEVICE = '/dev/sda'  # what the agent reports, as a one-disk server's IPA would
SECTOR = 512
GPT_SIZE_SECTORS = 33  # ironic-lib's destroy_disk_metadata zeroes this much at each end
CHUNK = 1024 * 1024


class Disk:
    """The disk file of one machine."""

    def __init__(self, path, size):
        self.path = path
        self.size = size
        self.lock = threading.Lock()
        if not os.path.exists(path):
            with open(path, 'wb') as f:
                f.truncate(size)

    def open_for_write(self):
        """A file object positioned at byte 0, for writing an image over the disk."""
        f = open(self.path, 'r+b')
        f.seek(0)
        return f

    def zero_all(self):
        """Every byte reads as zero afterwards (erase_devices)."""
        with self.lock, open(self.path, 'r+b') as f:
            f.truncate(0)
            f.truncate(self.size)

    def zero_metadata(self):
        """Zeroes the primary and backup GPT areas, as destroy_disk_metadata does."""
        n = GPT_SIZE_SECTORS * SECTOR
        with self.lock, open(self.path, 'r+b') as f:
            f.seek(0)
            f.write(b'\0' * n)
            f.seek(max(self.size - n, 0))
            f.write(b'\0' * min(n, self.size))

    def head(self, n):
        """The first n bytes."""
        with open(self.path, 'rb') as f:
            return f.read(n)

    def partition_count(self):
        """Partitions in the MBR (or 1 for a protective-MBR GPT disk), as parted would see."""
        mbr = self.head(2 * SECTOR)
        if len(mbr) < 2 * SECTOR or mbr[510:512] != b'\x55\xaa':
            return 0
        if mbr[SECTOR:SECTOR + 8] == b'EFI PART':
            return 1
        count = 0
        for i in range(4):
            entry = mbr[446 + 16 * i:446 + 16 * (i + 1)]
            if entry[4] != 0:  # partition type
                count += 1
        return count

    def identifier(self):
        """The MBR disk signature as `hexdump -s 440 -n 4 -e '"0x%08x"'` prints it."""
        sig = self.head(444)[440:444]
        if len(sig) < 4:
            return None
        return '0x%08x' % struct.unpack('<I', sig)[0]
