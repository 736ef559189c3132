"""Perceptual hashes of evidence photos: the same picture found again, re-encoded, resized or cropped a little.

Each photo gets, beside its SHA-256, ten 64-bit DCT hashes (imagehash's pHash, a robust
hash of the same family as PDQ): one of the whole picture and nine of it cropped by
CROP (a band off each side, off each corner, and all round). Two pictures are the same
when some hash of one is within MATCH_DISTANCE bits of some hash of the other: a
re-encoded or resized copy matches whole to whole, a copy cropped by up to CROP matches its
original's crop of the same shape (0 to 2 bits apart where unrelated photos are 18 or more).

Hashes are found through an index, never by reading every one: each is cut into four
16-bit bands, each band indexed (models.ImageHash), and only hashes sharing a band with
one of the new picture's are compared. Two hashes within 3 bits always share a band;
nearer copies, the usual case, nearly always do.
"""

import io

import imagehash
import scipy.fftpack  # noqa: F401 (imagehash's pHash imports it on first use: a worker imports it before it forks)
from PIL import Image, ImageOps

CROP = 0.05
MATCH_DISTANCE = 8
BANDS = 4
# The picture is shrunk to this before hashing: a pHash reads 32×32 pixels, so nothing is lost.
WORKING_SIZE = 512


def _boxes(width, height):
    dx, dy = round(width * CROP), round(height * CROP)
    return [
        (0, 0, width, height),
        (dx // 2, dy // 2, width - dx // 2, height - dy // 2),
        (dx, 0, width, height),
        (0, 0, width - dx, height),
        (0, dy, width, height),
        (0, 0, width, height - dy),
        (dx, dy, width, height),
        (0, 0, width - dx, height - dy),
        (dx, 0, width, height - dy),
        (0, dy, width - dx, height),
    ]


def signed(value):
    """A 64-bit hash as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def photo_hashes(data):
    """The ten hashes of a photo (signed 64-bit integers, the whole picture first), or [] when it cannot be read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("L")
            image.thumbnail((WORKING_SIZE, WORKING_SIZE))
            width, height = image.size
            if width < 16 or height < 16:
                return []
            return [signed(int(str(imagehash.phash(image.crop(box))), 16)) for box in _boxes(width, height)]
    except Exception:  # a picture that cannot be hashed is simply not matched
        return []


def bands(value):
    """The four 16-bit bands of a hash, as stored and indexed."""
    value &= (1 << 64) - 1
    return tuple((value >> (16 * n)) & 0xFFFF for n in range(BANDS))


def distance(one, other):
    """How many of the 64 bits differ."""
    return ((one ^ other) & ((1 << 64) - 1)).bit_count()
